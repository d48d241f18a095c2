import type { Probot } from "probot";
import { RecentPoints } from "../actions/recent-points.js";
import { writePoints } from "../actions/write-points.js";
import { closedPullRequestFromPayload, closeOutcome } from "../outcomes/close-outcome.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";
import type { Runtime } from "../runtime.js";

/**
 * Writes the `outcome` of a closed PR (success when merged, closed otherwise). The point's time
 * is GitHub's merge/close time, so a redelivery lands on the same identity; exact repeats seen by
 * this process are not written again. The final pr_observation is the pull-request handler's.
 */
export function registerClosed(app: Probot, runtime: Runtime): void {
  const recent = new RecentPoints();
  app.on("pull_request.closed", async (context) => {
    const repo = context.payload.repository.full_name;
    const settings = await runtime.repoConfigs.get(repo, () => context.config(REPO_CONFIG_FILE), context.log);
    if (!settings.enabled) return;
    const point = closeOutcome(closedPullRequestFromPayload(context.payload), { source: "webhook", deliveryId: context.id });
    const written = await writePoints(runtime, [point], recent);
    if (written.length > 0) {
      context.log.info({ repo, pr: context.payload.number, result: point.fields.result }, "recorded the outcome of a closed pull request");
    }
  });
}

import type { Probot } from "probot";
import { RecentPoints } from "../actions/recent-points.js";
import { writePoints } from "../actions/write-points.js";
import { closedPullRequestFromPayload, closeOutcome } from "../outcomes/close-outcome.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";
import { recentJournalOutcomes } from "../outcomes/recent-outcomes.js";
import type { Runtime } from "../runtime.js";

/** How far back a restarted app remembers closes it recorded. */
const REDELIVERY_DAYS = 3;

/**
 * Writes the `outcome` of a closed PR (success when merged, closed otherwise). The point's time
 * is GitHub's merge/close time, so a redelivery lands on the same identity; exact repeats seen by
 * this process are not written again. The final pr_observation is the pull-request handler's.
 */
export function registerClosed(app: Pick<Probot, "on">, runtime: Runtime): void {
  const recent = new RecentPoints();
  // A redelivered close after a restart must not add a journal line either: remember the recent
  // outcomes already in the journal (read in the background at start; a close waits for it).
  const seeded = recentJournalOutcomes(runtime.config.journalDir, REDELIVERY_DAYS)
    .then((points) => void recent.claim(points))
    .catch((err: Error) => runtime.log.warn({ err: err.message }, "could not read recent outcomes from the journal; a redelivered close may add a duplicate line"));
  app.on("pull_request.closed", async (context) => {
    await seeded;
    const repo = context.payload.repository.full_name;
    const settings = runtime.repoConfigs.cached(repo) ?? (await runtime.repoConfigs.get(repo, () => context.config(REPO_CONFIG_FILE), context.log));
    if (!settings.enabled) return;
    const point = closeOutcome(closedPullRequestFromPayload(context.payload), { source: "webhook", deliveryId: context.id });
    const written = await writePoints(runtime, [point], recent);
    if (written.length > 0) {
      context.log.info({ repo, pr: context.payload.number, result: point.fields.result }, "recorded the outcome of a closed pull request");
    }
  });
}

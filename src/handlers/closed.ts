import type { Probot } from "probot";
import { RecentPoints } from "../actions/recent-points.js";
import { writePoints } from "../actions/write-points.js";
import { closedPullRequestFromPayload, closeOutcome } from "../outcomes/close-outcome.js";
import { recentJournalOutcomes } from "../outcomes/recent-outcomes.js";
import type { DeliveryLog } from "../pipeline/delivery-log.js";
import type { Runtime } from "../runtime.js";
import { pointFromText, pointText } from "../store/point-text.js";
import type { Point } from "../store/point.js";
import { contextGitHub, holdWhileWaiting, type HeldGitHub, type ResumeHeld } from "./hold-while-waiting.js";

/** How far back a restarted app remembers the closes and inferred actions it recorded. */
export const REDELIVERY_DAYS = 3;

/**
 * Writes the `outcome` of a closed PR (success when merged, closed otherwise). The point's time
 * is GitHub's merge/close time, so a redelivery lands on the same identity; exact repeats seen by
 * this process are not written again. The final pr_observation is the pull-request handler's.
 *
 * Whether the repository wants it (`enabled` in .github/pr-telemetry.yml) may have to be read
 * from GitHub first. The outcome is built from the payload before that read and, when the
 * settings are not cached, held in the delivery log (src/pipeline/delivery-log.ts) until it is
 * written: GitHub can be slow enough that Probot answers 202 (GitHub never redelivers then), and
 * a crash during the read must not lose the outcome. It is held rather than written at once and
 * withdrawn later because a journal line cannot be withdrawn (and may already be in InfluxDB):
 * a repository that disabled itself must get no points. Returns how a held outcome is resumed at
 * the next start (src/app.ts).
 */
export function registerClosed(
  app: Pick<Probot, "on">,
  runtime: Runtime,
  deliveries: Pick<DeliveryLog, "hold" | "done">,
  /** The journal's recent points (read once for several handlers); read here when not given. */
  journalRecent: Promise<Point[]> = recentJournalOutcomes(runtime.config.journalDir, REDELIVERY_DAYS),
): ResumeHeld {
  const recent = new RecentPoints();
  // A redelivered close after a restart must not add a journal line either: remember the recent
  // outcomes already in the journal (read in the background at start; a close waits for it).
  const seeded = journalRecent
    .then((points) => void recent.claim(points.filter((p) => p.measurement === "outcome")))
    .catch((err: Error) => runtime.log.warn({ err: err.message }, "could not read recent outcomes from the journal; a redelivered close may add a duplicate line"));

  /** Writes the outcome unless the repository disabled itself. */
  const produce = async (point: Point, github: HeldGitHub): Promise<void> => {
    const repo = point.tags.repo!;
    await seeded;
    const settings = runtime.repoConfigs.cached(repo) ?? (await runtime.repoConfigs.get(repo, github.readConfig, github.log));
    if (!settings.enabled) return;
    const written = await writePoints(runtime, [point], recent);
    if (written.length > 0) {
      github.log.info({ repo, pr: Number(point.tags.pr), result: point.fields.result }, "recorded the outcome of a closed pull request");
    }
  };

  app.on("pull_request.closed", async (context) => {
    const repo = context.payload.repository.full_name;
    const point = closeOutcome(closedPullRequestFromPayload(context.payload), { source: "webhook", deliveryId: context.id });
    const github = contextGitHub(context);
    if (runtime.repoConfigs.cached(repo)) return produce(point, github);
    const { owner, repo: name } = context.repo();
    const held = { id: `${context.id}:outcome`, kind: "outcome" as const, installationId: context.payload.installation?.id, owner, repo: name, input: pointText(point) };
    await holdWhileWaiting(deliveries, held, () => produce(point, github));
  });

  return (record, github) => produce(pointFromText(record.input), github);
}

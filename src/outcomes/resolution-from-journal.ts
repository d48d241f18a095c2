import { MAX_HOURS } from "../store/field-types.js";
import { readPoints } from "../store/read-points.js";

const HOUR_MS = 3_600_000;

/**
 * The hours from a PR's creation to `at`, as far as the journal in `dir` knows it, for an outcome
 * recorded without --resolution-hours / resolution_hours. Read from the journal, never from
 * InfluxDB: the journal is the outbox, so an outcome is recorded whether or not InfluxDB answers.
 *
 * The creation time is the earliest of: an earlier outcome's time minus its resolution_hours
 * (exact), and each observation's time minus its pr_age_hours (a whole number, so within an hour;
 * an observation without it counts as its own time). A value outside 0..MAX_HOURS (written before
 * such values were refused) counts as 0, so it cannot make the estimate infinite. A PR the
 * journal has no point of up to `at` gives undefined (the outcome is then written without the
 * field, and the CLI and the API say so); so does a journal pruned of all of them.
 *
 * Files are read newest first, and reading stops at the files written before the PR can have
 * existed: an estimate from an observation is at most an hour after the creation, and a point is
 * written at most `maxFutureHours` before its time, so a file of a day before
 * `estimate - 1 h - maxFutureHours` holds no point of the PR. So the cost is the PR's lifetime in
 * journal files, not the whole journal (except for a PR the journal does not know).
 */
export async function resolutionFromJournal(
  dir: string,
  repo: string,
  pr: number,
  at: Date,
  maxFutureHours: number,
): Promise<number | undefined> {
  let created: number | undefined;
  const points = readPoints(dir, {
    repo,
    pr,
    until: at,
    measurements: ["outcome", "pr_observation"],
    order: "desc",
    readDay: (day) => created === undefined || day >= dayOf(created - HOUR_MS - maxFutureHours * HOUR_MS),
  });
  // An unreadable line is no evidence: readPoints skips it.
  for await (const point of points) {
    const field = point.measurement === "outcome" ? point.fields.resolution_hours : point.fields.pr_age_hours;
    const hours = typeof field === "number" && field >= 0 && field <= MAX_HOURS ? field : 0;
    const estimate = point.time.getTime() - hours * HOUR_MS;
    if (created === undefined || estimate < created) created = estimate;
  }
  if (created === undefined || created > at.getTime()) return undefined;
  const hours = (at.getTime() - created) / HOUR_MS;
  return hours <= MAX_HOURS ? hours : undefined;
}

/** The UTC day (YYYY-MM-DD) of an epoch-ms time, "" when it is out of a Date's range. */
function dayOf(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 10);
}

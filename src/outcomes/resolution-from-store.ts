import type { PointStore } from "../store/store.js";

const HOUR_MS = 3_600_000;

/**
 * The hours from a PR's creation to `at`, as far as the store knows it, for an outcome recorded
 * without --resolution-hours. The creation time is the earliest of: an earlier outcome's time
 * minus its resolution_hours (exact), and each observation's time minus its pr_age_hours (a
 * whole number, so within an hour; an observation without it counts as its own time). A PR
 * the store has never seen gives undefined, and the outcome is written without the field.
 */
export async function resolutionFromStore(
  store: Pick<PointStore, "read">,
  repo: string,
  pr: number,
  at: Date,
): Promise<number | undefined> {
  const tag = String(pr);
  let created: number | undefined;
  for await (const point of store.read({ measurements: ["pr_observation", "outcome"], repos: [repo], until: at })) {
    if (point.tags.pr !== tag) continue;
    const field = point.measurement === "outcome" ? point.fields.resolution_hours : point.fields.pr_age_hours;
    const hours = typeof field === "number" && Number.isFinite(field) && field >= 0 ? field : 0;
    const estimate = point.time.getTime() - hours * HOUR_MS;
    if (created === undefined || estimate < created) created = estimate;
  }
  if (created === undefined || created > at.getTime()) return undefined;
  return (at.getTime() - created) / HOUR_MS;
}

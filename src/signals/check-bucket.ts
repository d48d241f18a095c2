import type { SnapshotCheckContext } from "../github/pr-snapshot.js";

/** Where one check run or commit status counts in `checks_*`. */
export type CheckBucket = "passing" | "failing" | "pending";

const PASSING = new Set(["SUCCESS", "NEUTRAL", "SKIPPED"]);
const FAILING = new Set(["FAILURE", "TIMED_OUT", "CANCELLED", "ACTION_REQUIRED", "STARTUP_FAILURE", "ERROR"]);

/**
 * The bucket of one rollup entry. A check run counts by its conclusion once COMPLETED (queued
 * or in-progress runs have none yet: pending); a commit status by its state (PENDING and
 * EXPECTED — a required status not reported yet — are pending). Anything else, e.g. a STALE
 * conclusion or a value GitHub adds later, is pending rather than a guess at pass or fail.
 */
export function checkBucket(context: SnapshotCheckContext): CheckBucket {
  const outcome =
    context.__typename === "CheckRun"
      ? context.status === "COMPLETED"
        ? context.conclusion
        : null
      : context.state;
  if (outcome && PASSING.has(outcome)) return "passing";
  if (outcome && FAILING.has(outcome)) return "failing";
  return "pending";
}

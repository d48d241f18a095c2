import type { SnapshotStatusCheckRollup } from "../github/pr-snapshot.js";
import { checkBucket } from "./check-bucket.js";
import { latestCheckContexts } from "./latest-check-contexts.js";

/** The `checks_*` signals of the head commit. */
export interface ChecksSummary {
  total: number;
  passing: number;
  failing: number;
  pending: number;
}

/**
 * Counts the head commit's standing check runs and commit statuses by bucket. A commit with
 * neither has no rollup at all (`statusCheckRollup: null`): all zero, which is a fact (no CI),
 * not a missing value.
 */
export function checksSummary(rollup: SnapshotStatusCheckRollup | null | undefined): ChecksSummary {
  const summary: ChecksSummary = { total: 0, passing: 0, failing: 0, pending: 0 };
  for (const context of latestCheckContexts(rollup?.contexts.nodes ?? [])) {
    summary.total += 1;
    summary[checkBucket(context)] += 1;
  }
  return summary;
}

import type { PullRequestSnapshot } from "../github/pr-snapshot.js";
import { checksSummary } from "./checks-summary.js";
import { hoursSince } from "./hours-since.js";
import { lastPushAt } from "./last-push-at.js";
import { mergeableSignal } from "./mergeable.js";
import { reviewsSummary } from "./reviews-summary.js";
import { threadsSummary } from "./threads-summary.js";

export { prAuthorLogin } from "./author-login.js";
export { isMergeableUnknown } from "./mergeable.js";

/**
 * The `pr_observation` fields a snapshot gives (types as declared in `src/store/field-types.ts`).
 * Optional fields are left out when GitHub does not know: `mergeable` while UNKNOWN,
 * `review_decision` when no review is required.
 */
export interface ObservationSignals {
  merge_state: string;
  mergeable?: boolean;
  is_draft: boolean;
  auto_merge_enabled: boolean;
  checks_total: number;
  checks_passing: number;
  checks_failing: number;
  checks_pending: number;
  reviews_approved: number;
  reviews_changes_requested: number;
  review_requests: number;
  threads_total: number;
  threads_unresolved: number;
  pr_age_hours: number;
  last_push_hours: number;
  last_activity_hours: number;
  head_sha: string;
  base_ref: string;
  head_ref: string;
  review_decision?: string;
  commits: number;
  additions: number;
  deletions: number;
  changed_files: number;
  state: string;
}

/**
 * Turns a snapshot into signals at the clock time `now`. Pure: same snapshot and `now`, same
 * answer. `last_activity_hours` is from `updatedAt`, which GitHub bumps on any change to the
 * pull request (push, comment, review, label), as in the original design.
 */
export function observe(snapshot: PullRequestSnapshot, now: Date): ObservationSignals {
  const head = snapshot.commits.nodes?.at(-1)?.commit;
  const checks = checksSummary(head?.statusCheckRollup);
  const reviews = reviewsSummary(snapshot);
  const threads = threadsSummary(snapshot);
  const signals: ObservationSignals = {
    merge_state: snapshot.mergeStateStatus,
    is_draft: snapshot.isDraft,
    auto_merge_enabled: snapshot.autoMergeRequest !== null,
    checks_total: checks.total,
    checks_passing: checks.passing,
    checks_failing: checks.failing,
    checks_pending: checks.pending,
    reviews_approved: reviews.approved,
    reviews_changes_requested: reviews.changesRequested,
    review_requests: reviews.requested,
    threads_total: threads.total,
    threads_unresolved: threads.unresolved,
    pr_age_hours: hoursSince(snapshot.createdAt, now),
    last_push_hours: hoursSince(lastPushAt(snapshot), now),
    last_activity_hours: hoursSince(snapshot.updatedAt, now),
    head_sha: snapshot.headRefOid,
    base_ref: snapshot.baseRefName,
    head_ref: snapshot.headRefName,
    commits: snapshot.commits.totalCount,
    additions: snapshot.additions,
    deletions: snapshot.deletions,
    changed_files: snapshot.changedFiles,
    state: snapshot.state,
  };
  const mergeable = mergeableSignal(snapshot);
  if (mergeable !== undefined) signals.mergeable = mergeable;
  if (snapshot.reviewDecision) signals.review_decision = snapshot.reviewDecision;
  return signals;
}

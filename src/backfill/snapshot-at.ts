import type {
  PullRequestReviewState,
  PullRequestSnapshot,
  PullRequestState,
  SnapshotCheckContext,
  SnapshotReview,
} from "../github/pr-snapshot.js";
import { actorLogin } from "../signals/author-login.js";
import { itemTime, type HistoryItem, type PullRequestHistory, type RequestedReviewer } from "../github/pull-request-history.js";

/**
 * `pr_observation` fields a reconstructed point never has: GitHub tells them only for the
 * present. `merge_state` and `mergeable` are computed by GitHub on demand; `review_decision`
 * depends on branch protection as it was then; review threads carry no resolution time;
 * `last_activity_hours` needs `updatedAt` as it was then; additions, deletions and changed files
 * are the diff now, not then.
 */
export const ALWAYS_LEFT_OUT: readonly string[] = [
  "merge_state",
  "mergeable",
  "review_decision",
  "threads_total",
  "threads_unresolved",
  "last_activity_hours",
  "additions",
  "deletions",
  "changed_files",
];

/** A snapshot of the PR as of a moment, and the fields of its observation that must be left out. */
export interface SnapshotAt {
  snapshot: PullRequestSnapshot;
  /** ALWAYS_LEFT_OUT, plus `commits` before the last force push (the rewritten branch's count is gone). */
  leftOut: string[];
}

const OPINIONATED = new Set<PullRequestReviewState>(["APPROVED", "CHANGES_REQUESTED", "DISMISSED"]);

/**
 * The pull request as it stood at `time`, in the shape the live path feeds `observe`
 * (`PullRequestSnapshot`), replayed from its timeline. Pure. What the past does not tell is set to
 * GitHub's "unknown" (`mergeable`/`mergeStateStatus` UNKNOWN, `reviewDecision` null, no threads)
 * and named in `leftOut`, so the caller drops those fields rather than recording a guess.
 *
 * Replayed: state (closed, merged, reopened), draft (ready / converted; before the first such
 * event the opposite of it), auto-merge, base branch, head commit (pushes at their committedDate,
 * force pushes at their time), the head commit's check runs (started, then completed) and
 * statuses (from their createdAt; GitHub keeps only a context's newest status), each reviewer's
 * latest opinionated review (a dismissal at its time) and pending review requests (a review by
 * the requested reviewer ends the request, as on GitHub).
 */
export function snapshotAt(history: PullRequestHistory, time: Date): SnapshotAt {
  const t = time.getTime();
  const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);
  const items = history.timeline;
  const upTo = items.filter((item) => at(itemTime(item)) <= t);

  // State: OPEN until a close; a merge is final; a reopen opens again.
  let state: PullRequestState = "OPEN";
  let draft = initialDraft(history);
  let autoMerge: { enabledAt: string | null } | null = null;
  let baseRef = initialBaseRef(history);
  const requests = new Map<string, true>();
  const dismissedAt = new Map<string, number>();
  for (const item of items) {
    if (item.__typename === "ReviewDismissedEvent" && item.review) dismissedAt.set(item.review.id, at(item.createdAt));
  }
  for (const item of upTo) {
    switch (item.__typename) {
      case "ClosedEvent":
        if (state !== "MERGED") state = "CLOSED";
        // Closing without merging turns auto-merge off (GitHub disables it; no event may say so).
        if (state === "CLOSED") autoMerge = null;
        break;
      case "MergedEvent":
        state = "MERGED";
        break;
      case "ReopenedEvent":
        state = "OPEN";
        break;
      case "ReadyForReviewEvent":
        draft = false;
        break;
      case "ConvertToDraftEvent":
        draft = true;
        break;
      case "AutoMergeEnabledEvent":
        autoMerge = { enabledAt: item.createdAt };
        break;
      case "AutoMergeDisabledEvent":
        autoMerge = null;
        break;
      case "BaseRefChangedEvent":
        baseRef = item.currentRefName;
        break;
      case "ReviewRequestedEvent":
        if (item.requestedReviewer) requests.set(reviewerKey(item.requestedReviewer), true);
        break;
      case "ReviewRequestRemovedEvent":
        if (item.requestedReviewer) requests.delete(reviewerKey(item.requestedReviewer));
        break;
      case "PullRequestReview":
        if (item.state !== "PENDING") requests.delete(`user:${actorLogin(item.author).toLowerCase()}`);
        break;
      default:
        break;
    }
  }

  // Each reviewer's latest opinionated review as it stood then (a later dismissal not yet applied).
  const latest = new Map<string, { state: PullRequestReviewState; at: number }>();
  for (const item of upTo) {
    if (item.__typename !== "PullRequestReview" || !item.submittedAt) continue;
    const dismissal = dismissedAt.get(item.id);
    const then: PullRequestReviewState =
      dismissal !== undefined && dismissal <= t ? "DISMISSED" : dismissal !== undefined && item.state === "DISMISSED" ? previousState(items, item.id) : item.state;
    if (!OPINIONATED.has(then)) continue;
    const who = actorLogin(item.author).toLowerCase();
    const submitted = at(item.submittedAt);
    const current = latest.get(who);
    if (!current || submitted >= current.at) latest.set(who, { state: then, at: submitted });
  }
  const reviews: SnapshotReview[] = [...latest.values()].map((r) => ({ state: r.state }));

  const head = headAt(history, t);
  const contexts = head ? checksAt(history.checks[head.oid] ?? [], t) : [];
  const forcePushes = upTo.filter((i) => i.__typename === "HeadRefForcePushedEvent").map((i) => ({ __typename: "HeadRefForcePushedEvent", createdAt: itemTime(i) ?? undefined }));
  const commits = commitsAt(history, t);
  const leftOut = [...ALWAYS_LEFT_OUT];
  if (commits === undefined) leftOut.push("commits");

  const snapshot: PullRequestSnapshot = {
    id: history.id,
    number: history.number,
    state,
    isDraft: draft,
    createdAt: history.createdAt,
    // Unknown for the past; last_activity_hours is left out.
    updatedAt: time.toISOString(),
    mergeable: "UNKNOWN",
    mergeStateStatus: "UNKNOWN",
    reviewDecision: null,
    baseRefName: baseRef,
    headRefName: history.headRefName,
    headRefOid: head?.oid ?? "",
    additions: 0,
    deletions: 0,
    changedFiles: 0,
    author: history.author,
    autoMergeRequest: autoMerge,
    repository: { nameWithOwner: history.repo },
    commits: {
      totalCount: commits ?? 0,
      nodes: head
        ? [
            {
              commit: {
                oid: head.oid,
                committedDate: head.committedDate,
                statusCheckRollup: contexts.length ? { id: "", state: "PENDING", contexts: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: contexts } } : null,
              },
            },
          ]
        : [],
    },
    latestOpinionatedReviews: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: reviews },
    reviewRequests: { totalCount: requests.size },
    reviewThreads: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
    timelineItems: { nodes: forcePushes },
  };
  return { snapshot, leftOut };
}

/** Draft before any ready/draft event: the opposite of the first one, else as it is now. */
function initialDraft(history: PullRequestHistory): boolean {
  for (const item of history.timeline) {
    if (item.__typename === "ReadyForReviewEvent") return true;
    if (item.__typename === "ConvertToDraftEvent") return false;
  }
  return history.isDraft;
}

function initialBaseRef(history: PullRequestHistory): string {
  const first = history.timeline.find((i) => i.__typename === "BaseRefChangedEvent");
  return first?.__typename === "BaseRefChangedEvent" ? first.previousRefName : history.baseRefName;
}

function reviewerKey(reviewer: RequestedReviewer): string {
  return reviewer.__typename === "Team" ? `team:${(reviewer as { slug: string }).slug.toLowerCase()}` : `user:${actorLogin(reviewer as Exclude<RequestedReviewer, { __typename: "Team" }>).toLowerCase()}`;
}

function previousState(items: readonly HistoryItem[], reviewId: string): PullRequestReviewState {
  for (const item of items) {
    if (item.__typename === "ReviewDismissedEvent" && item.review?.id === reviewId) return item.previousReviewState;
  }
  return "DISMISSED";
}

/**
 * The head commit at `t`: the newest pushed commit (at its committedDate) or force push's
 * `afterCommit`, a force push winning a tie; before any, the first commit.
 */
export function headAt(history: PullRequestHistory, t: number): { oid: string; committedDate: string } | undefined {
  let head: { oid: string; committedDate: string; at: number } | undefined;
  let first: { oid: string; committedDate: string } | undefined;
  for (const item of history.timeline) {
    let candidate: { oid: string; committedDate: string; at: number } | undefined;
    if (item.__typename === "PullRequestCommit") candidate = { ...item.commit, at: Date.parse(item.commit.committedDate) };
    else if (item.__typename === "HeadRefForcePushedEvent" && item.afterCommit) candidate = { ...item.afterCommit, at: Date.parse(item.createdAt) + 0.5 };
    if (!candidate) continue;
    first ??= candidate;
    if (candidate.at <= t + 0.5 && (!head || candidate.at >= head.at)) head = candidate;
  }
  const chosen = head ?? first;
  return chosen ? { oid: chosen.oid, committedDate: chosen.committedDate } : undefined;
}

/**
 * `commits.totalCount` at `t`: the count now less the commits pushed after `t`. Known from the
 * last force push on (a rewritten branch's earlier count is gone: GitHub lists only today's
 * commits), so undefined before it.
 */
export function commitsAt(history: PullRequestHistory, t: number): number | undefined {
  let lastForcePush = Number.NEGATIVE_INFINITY;
  for (const item of history.timeline) {
    if (item.__typename === "HeadRefForcePushedEvent") lastForcePush = Math.max(lastForcePush, Date.parse(item.createdAt));
  }
  if (t < lastForcePush) return undefined;
  let later = 0;
  for (const item of history.timeline) {
    if (item.__typename === "PullRequestCommit" && Date.parse(item.commit.committedDate) > t) later++;
  }
  const count = history.commitCount - later;
  return count > 0 ? count : undefined;
}

/**
 * A commit's check runs and statuses as they stood at `t`: a run started by then, completed only
 * if it completed by then (else IN_PROGRESS); a status from its createdAt. A run GitHub gives no
 * start time (queued, never started) has no known past and is left out.
 */
export function checksAt(contexts: readonly SnapshotCheckContext[], t: number): SnapshotCheckContext[] {
  const out: SnapshotCheckContext[] = [];
  for (const c of contexts) {
    if (c.__typename === "StatusContext") {
      if (Date.parse(c.createdAt) <= t) out.push(c);
      continue;
    }
    if (!c.startedAt || Date.parse(c.startedAt) > t) continue;
    if (c.completedAt && Date.parse(c.completedAt) <= t) out.push(c);
    else out.push({ ...c, status: "IN_PROGRESS", conclusion: null, completedAt: null });
  }
  return out;
}

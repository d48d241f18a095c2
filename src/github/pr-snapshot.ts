/**
 * The pull request as the `PullRequestSnapshot` GraphQL fragment selects it, typed exactly as
 * GitHub returns it (enums as strings, dates as ISO-8601 strings, absent objects as null).
 * Hand-written rather than generated: the fragment is small, and a generator would add a
 * build step for nine enums. `src/github/queries/pull-request-snapshot.ts` is its twin: change
 * both together (the schema test validates the query, the fixtures pin the shape).
 */
export interface PullRequestSnapshot {
  id: string;
  number: number;
  state: PullRequestState;
  isDraft: boolean;
  createdAt: string;
  updatedAt: string;
  mergeable: MergeableState;
  /** `DRAFT` is deprecated by GitHub in favour of `isDraft`; recorded as reported, never relied on. */
  mergeStateStatus: MergeStateStatus;
  reviewDecision: PullRequestReviewDecision | null;
  baseRefName: string;
  headRefName: string;
  headRefOid: string;
  additions: number;
  deletions: number;
  changedFiles: number;
  /** null when the account was deleted (GitHub shows it as "ghost"). */
  author: SnapshotActor | null;
  /** non-null while auto-merge is enabled. */
  autoMergeRequest: { enabledAt: string | null } | null;
  repository: { nameWithOwner: string };
  /** `last: 1`: only the head commit, but `totalCount` counts every commit of the PR. */
  commits: {
    totalCount: number;
    nodes: Array<{ commit: SnapshotHeadCommit } | null> | null;
  };
  latestOpinionatedReviews: SnapshotConnection<SnapshotReview> | null;
  reviewRequests: { totalCount: number } | null;
  reviewThreads: SnapshotConnection<SnapshotReviewThread> & { totalCount: number };
  /** `last: 1` of HEAD_REF_FORCE_PUSHED_EVENT: the newest force push, if any. */
  timelineItems: { nodes: Array<SnapshotForcePush | null> | null };
}

export type PullRequestState = "OPEN" | "CLOSED" | "MERGED";
export type MergeableState = "MERGEABLE" | "CONFLICTING" | "UNKNOWN";
export type MergeStateStatus =
  | "BEHIND"
  | "BLOCKED"
  | "CLEAN"
  | "DIRTY"
  | "DRAFT"
  | "HAS_HOOKS"
  | "UNKNOWN"
  | "UNSTABLE";
export type PullRequestReviewDecision = "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED";
export type PullRequestReviewState =
  | "APPROVED"
  | "CHANGES_REQUESTED"
  | "COMMENTED"
  | "DISMISSED"
  | "PENDING";
export type CheckStatusState =
  | "COMPLETED"
  | "IN_PROGRESS"
  | "PENDING"
  | "QUEUED"
  | "REQUESTED"
  | "WAITING";
export type CheckConclusionState =
  | "ACTION_REQUIRED"
  | "CANCELLED"
  | "FAILURE"
  | "NEUTRAL"
  | "SKIPPED"
  | "STALE"
  | "STARTUP_FAILURE"
  | "SUCCESS"
  | "TIMED_OUT";
export type StatusState = "ERROR" | "EXPECTED" | "FAILURE" | "PENDING" | "SUCCESS";

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

/** A connection page as GitHub returns it (nodes may contain nulls in GraphQL). */
export interface SnapshotConnection<T> {
  pageInfo: PageInfo;
  nodes: Array<T | null> | null;
}

export interface SnapshotActor {
  /** "User", "Bot", "Mannequin", "Organization", "EnterpriseUserAccount". */
  __typename: string;
  login: string;
}

export interface SnapshotHeadCommit {
  oid: string;
  committedDate: string;
  /** null when the commit has no check runs and no statuses at all. */
  statusCheckRollup: SnapshotStatusCheckRollup | null;
}

export interface SnapshotStatusCheckRollup {
  id: string;
  state: StatusState;
  contexts: SnapshotConnection<SnapshotCheckContext>;
}

export type SnapshotCheckContext = SnapshotCheckRun | SnapshotStatusContext;

export interface SnapshotCheckRun {
  __typename: "CheckRun";
  name: string;
  status: CheckStatusState;
  /** null until the run completes. */
  conclusion: CheckConclusionState | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface SnapshotStatusContext {
  __typename: "StatusContext";
  context: string;
  state: StatusState;
  createdAt: string;
}

export interface SnapshotReview {
  state: PullRequestReviewState;
}

export interface SnapshotReviewThread {
  isResolved: boolean;
  isOutdated: boolean;
}

export interface SnapshotForcePush {
  __typename: string;
  createdAt?: string;
}

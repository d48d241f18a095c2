import type {
  PullRequestReviewState,
  PullRequestState,
  SnapshotActor,
  SnapshotCheckContext,
} from "./pr-snapshot.js";

/**
 * A pull request's past as GitHub's timeline still tells it: what the backfill query
 * (queries/pull-request-history.ts) selects, with every connection completed page by
 * page (timeline items past 100, check runs past 100 per commit). The input of `snapshotAt`.
 */
export interface PullRequestHistory {
  id: string;
  number: number;
  /** owner/name as GitHub spells it. */
  repo: string;
  /** The PR now (its past is replayed from the timeline). */
  state: PullRequestState;
  isDraft: boolean;
  createdAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  headRefName: string;
  baseRefName: string;
  /** null: the account was deleted (`ghost`). */
  author: SnapshotActor | null;
  /** Every commit of the PR now (`commits.totalCount`). */
  commitCount: number;
  /** Timeline items in GitHub's order. */
  timeline: HistoryItem[];
  /** Each commit's check runs and statuses (by oid), every run and re-run, all pages. */
  checks: Record<string, SnapshotCheckContext[]>;
}

/** A commit as the timeline carries it (a PullRequestCommit, a force push's `afterCommit`). */
export interface HistoryCommit {
  oid: string;
  committedDate: string;
  /** For telling a merge of the base (isBaseMerge); absent where the replay does not need them. */
  message?: string | undefined;
  parents?: string[] | undefined;
  /** The author's GitHub account (null: not linked to one). */
  author?: SnapshotActor | null | undefined;
}

/** Who a review was requested from: a user, bot or mannequin (login), or a team (slug). */
export type RequestedReviewer = { __typename: "Team"; slug: string } | SnapshotActor;

/** The timeline items the backfill reads, as GraphQL returns them (`__typename` tells them apart). */
export type HistoryItem =
  | { __typename: "PullRequestCommit"; commit: HistoryCommit }
  | { __typename: "HeadRefForcePushedEvent"; createdAt: string; actor: SnapshotActor | null; beforeCommit: { oid: string } | null; afterCommit: HistoryCommit | null }
  | { __typename: "PullRequestReview"; id: string; state: PullRequestReviewState; submittedAt: string | null; author: SnapshotActor | null }
  | { __typename: "ReviewDismissedEvent"; createdAt: string; previousReviewState: PullRequestReviewState; review: { id: string } | null }
  | { __typename: "ReviewRequestedEvent" | "ReviewRequestRemovedEvent"; createdAt: string; actor: SnapshotActor | null; requestedReviewer: RequestedReviewer | null }
  | { __typename: "ReadyForReviewEvent" | "ConvertToDraftEvent" | "ReopenedEvent" | "AutoMergeDisabledEvent"; createdAt: string; actor: SnapshotActor | null }
  | { __typename: "AutoMergeEnabledEvent" | "ClosedEvent" | "MergedEvent"; createdAt: string; actor: SnapshotActor | null }
  | { __typename: "LabeledEvent" | "UnlabeledEvent"; createdAt: string; actor: SnapshotActor | null; label: { name: string } }
  | { __typename: "IssueComment"; databaseId: number | null; createdAt: string; author: SnapshotActor | null; body: string }
  | { __typename: "BaseRefChangedEvent"; createdAt: string; previousRefName: string; currentRefName: string };

/** The time an item happened (a commit: its committedDate, as `lastPushAt` reads it); null when GitHub gives none (a pending review). */
export function itemTime(item: HistoryItem): string | null {
  switch (item.__typename) {
    case "PullRequestCommit":
      return item.commit.committedDate;
    case "PullRequestReview":
      return item.submittedAt;
    default:
      return item.createdAt;
  }
}

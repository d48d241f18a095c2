import type { GraphqlRateLimit } from "../graphql-client.js";
import type { PageInfo, PullRequestState, SnapshotActor, SnapshotCheckContext } from "../pr-snapshot.js";
import { CHECK_CONTEXT_FIELDS } from "./check-context-fields.js";

/** Timeline items asked per page (GitHub's maximum). */
export const HISTORY_PAGE_SIZE = 100;
/**
 * Pull requests asked in one history query. Each may hold 100 timeline items with 100 check
 * contexts per commit: about 20,000 possible nodes a PR, 200,000 for ten, under GitHub's 500,000.
 */
export const HISTORIES_PER_QUERY = 10;

/** The timeline item types the backfill replays (src/github/pull-request-history.ts types them). */
export const HISTORY_ITEM_TYPES = [
  "PULL_REQUEST_COMMIT",
  "HEAD_REF_FORCE_PUSHED_EVENT",
  "PULL_REQUEST_REVIEW",
  "REVIEW_DISMISSED_EVENT",
  "REVIEW_REQUESTED_EVENT",
  "REVIEW_REQUEST_REMOVED_EVENT",
  "READY_FOR_REVIEW_EVENT",
  "CONVERT_TO_DRAFT_EVENT",
  "AUTO_MERGE_ENABLED_EVENT",
  "AUTO_MERGE_DISABLED_EVENT",
  "LABELED_EVENT",
  "UNLABELED_EVENT",
  "REOPENED_EVENT",
  "CLOSED_EVENT",
  "MERGED_EVENT",
  "ISSUE_COMMENT",
  "BASE_REF_CHANGED_EVENT",
] as const;

const ACTOR = "{ __typename login }";
const HISTORY_COMMIT = `oid
    committedDate
    message
    parents(first: 2) { nodes { oid } }
    author { user { __typename login } }
    statusCheckRollup {
      id
      contexts(first: ${HISTORY_PAGE_SIZE}) {
        pageInfo { hasNextPage endCursor }
        nodes {
      ${CHECK_CONTEXT_FIELDS}
        }
      }
    }`;

/**
 * One timeline item, only the fields the replay reads. A commit's check runs and statuses come
 * with it (its `statusCheckRollup` lists every run, re-runs included, with start and completion
 * times); `Commit.pushedDate` is gone from GitHub, so a commit's time is its `committedDate`.
 * Its message, parents and author tell an "Update branch" merge of the base (an orchestrator's
 * `update_branch`, as the live inference tells it from the pushed commit).
 */
export const HISTORY_ITEM_FRAGMENT = `fragment HistoryItem on PullRequestTimelineItems {
  __typename
  ... on PullRequestCommit { commit { ${HISTORY_COMMIT} } }
  ... on HeadRefForcePushedEvent { createdAt actor ${ACTOR} beforeCommit { oid } afterCommit { ${HISTORY_COMMIT} } }
  ... on PullRequestReview { id state submittedAt author ${ACTOR} }
  ... on ReviewDismissedEvent { createdAt previousReviewState review { id } }
  ... on ReviewRequestedEvent { createdAt actor ${ACTOR} requestedReviewer { __typename ... on User { login } ... on Bot { login } ... on Mannequin { login } ... on Team { slug } } }
  ... on ReviewRequestRemovedEvent { createdAt actor ${ACTOR} requestedReviewer { __typename ... on User { login } ... on Bot { login } ... on Mannequin { login } ... on Team { slug } } }
  ... on ReadyForReviewEvent { createdAt actor ${ACTOR} }
  ... on ConvertToDraftEvent { createdAt actor ${ACTOR} }
  ... on AutoMergeEnabledEvent { createdAt actor ${ACTOR} }
  ... on AutoMergeDisabledEvent { createdAt actor ${ACTOR} }
  ... on LabeledEvent { createdAt actor ${ACTOR} label { name } }
  ... on UnlabeledEvent { createdAt actor ${ACTOR} label { name } }
  ... on ReopenedEvent { createdAt actor ${ACTOR} }
  ... on ClosedEvent { createdAt actor ${ACTOR} }
  ... on MergedEvent { createdAt actor ${ACTOR} }
  ... on IssueComment { databaseId createdAt author ${ACTOR} body }
  ... on BaseRefChangedEvent { createdAt previousRefName currentRefName }
}`;

/** What the replay needs of the pull request itself, and the first page of its timeline. */
export const PULL_REQUEST_HISTORY_FRAGMENT = `fragment PullRequestHistory on PullRequest {
  id
  number
  state
  isDraft
  createdAt
  closedAt
  mergedAt
  headRefName
  baseRefName
  author ${ACTOR}
  repository { nameWithOwner }
  commits { totalCount }
  timelineItems(first: ${HISTORY_PAGE_SIZE}, itemTypes: [${HISTORY_ITEM_TYPES.join(", ")}]) {
    pageInfo { hasNextPage endCursor }
    nodes { ...HistoryItem }
  }
}`;

/** A commit as the history query returns it. */
export interface HistoryCommitNode {
  oid: string;
  committedDate: string;
  message: string;
  parents: { nodes: Array<{ oid: string } | null> | null };
  /** The commit's author as a GitHub account (null: not linked to one). */
  author: { user: SnapshotActor | null } | null;
  statusCheckRollup: { id: string; contexts: { pageInfo: PageInfo; nodes: Array<SnapshotCheckContext | null> | null } } | null;
}

/** A timeline item as returned (typed loosely here; fetch-histories.ts narrows it). */
export type HistoryItemNode = { __typename: string; commit?: HistoryCommitNode; afterCommit?: HistoryCommitNode | null } & Record<string, unknown>;

export interface TimelinePage {
  pageInfo: PageInfo;
  nodes: Array<HistoryItemNode | null> | null;
}

/** A pull request as the history query returns it. */
export interface PullRequestHistoryNode {
  id: string;
  number: number;
  state: PullRequestState;
  isDraft: boolean;
  createdAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  headRefName: string;
  baseRefName: string;
  author: SnapshotActor | null;
  repository: { nameWithOwner: string };
  commits: { totalCount: number };
  timelineItems: TimelinePage;
}

/**
 * One aliased query for up to HISTORIES_PER_QUERY pull requests of one repository
 * (`r0: repository(...) { p0: pullRequest(number: $p0) {...} }`, the aliases
 * splitAliasedAnswer reads); numbers travel as variables. With the budget GitHub has left.
 */
export function buildPullRequestHistoriesQuery(owner: string, name: string, numbers: number[]): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = { o0: owner, n0: name };
  const params = ["$o0: String!", "$n0: String!"];
  const fields = numbers.map((n, i) => {
    variables[`p${i}`] = n;
    params.push(`$p${i}: Int!`);
    return `    p${i}: pullRequest(number: $p${i}) { ...PullRequestHistory }`;
  });
  const query = `query PullRequestHistories(${params.join(", ")}) {
  r0: repository(owner: $o0, name: $n0) {
${fields.join("\n")}
  }
  rateLimit { cost remaining resetAt }
}

${PULL_REQUEST_HISTORY_FRAGMENT}

${HISTORY_ITEM_FRAGMENT}
`;
  return { query, variables };
}

/** The next page of one pull request's timeline (by the PR's node id). */
export const TIMELINE_PAGE_QUERY = `query HistoryTimelinePage($id: ID!, $after: String) {
  node(id: $id) {
    ... on PullRequest {
      timelineItems(first: ${HISTORY_PAGE_SIZE}, after: $after, itemTypes: [${HISTORY_ITEM_TYPES.join(", ")}]) {
        pageInfo { hasNextPage endCursor }
        nodes { ...HistoryItem }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}

${HISTORY_ITEM_FRAGMENT}
`;

/** The answer of TIMELINE_PAGE_QUERY. */
export interface TimelinePageAnswer {
  node: { timelineItems?: TimelinePage } | null;
  rateLimit: GraphqlRateLimit | null;
}

/**
 * A repository's pull requests, newest update first, 100 a page: which ones the backfill reads
 * (the window is decided by `updatedAt`). Variables: owner, name, states, after.
 */
export const PULL_REQUEST_LIST_QUERY = `query BackfillPullRequestList($owner: String!, $name: String!, $states: [PullRequestState!], $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: ${HISTORY_PAGE_SIZE}, after: $after, states: $states, orderBy: { field: UPDATED_AT, direction: DESC }) {
      pageInfo { hasNextPage endCursor }
      nodes { number createdAt updatedAt state }
    }
  }
  rateLimit { cost remaining resetAt }
}
`;

/** The answer of PULL_REQUEST_LIST_QUERY. */
export interface PullRequestListAnswer {
  repository: {
    pullRequests: { pageInfo: PageInfo; nodes: Array<{ number: number; createdAt: string; updatedAt: string; state: PullRequestState } | null> | null };
  } | null;
  rateLimit: GraphqlRateLimit | null;
}

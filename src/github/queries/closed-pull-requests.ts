import type { GraphqlRateLimit } from "../graphql-client.js";
import type { PullRequestSnapshot, SnapshotActor } from "../pr-snapshot.js";
import { PULL_REQUEST_SNAPSHOT_FRAGMENT } from "./pull-request-snapshot.js";

/** Pull requests asked for in one gap-fill query (the snapshot fragment's size allows 25). */
export const CLOSED_PULL_REQUESTS_PER_QUERY = 25;

/**
 * What the close handler reads from the `pull_request.closed` payload, asked of GraphQL for a
 * close the webhooks missed. Aliased (`sweepCloseEvents`) so it never collides with the snapshot
 * fragment's own `timelineItems` selection.
 * - `closedBy`: GraphQL has no such field; the newest ClosedEvent's actor is who closed it.
 * - `autoMerge`: `autoMergeRequest` may be cleared once GitHub has merged, so the newest
 *   auto-merge event before the merge also tells whether auto-merge was on when it merged.
 */
const CLOSE_FRAGMENT = `fragment PullRequestClose on PullRequest {
  closedAt
  mergedAt
  mergedBy { __typename login }
  sweepCloseEvents: timelineItems(last: 20, itemTypes: [CLOSED_EVENT, AUTO_MERGE_ENABLED_EVENT, AUTO_MERGE_DISABLED_EVENT]) {
    nodes {
      __typename
      ... on ClosedEvent { createdAt actor { __typename login } }
      ... on AutoMergeEnabledEvent { createdAt }
      ... on AutoMergeDisabledEvent { createdAt }
    }
  }
}`;

/** A pull request as the gap-fill query returns it: the snapshot plus its close details. */
export interface ClosedPullRequestNode extends PullRequestSnapshot {
  closedAt: string | null;
  mergedAt: string | null;
  mergedBy: SnapshotActor | null;
  sweepCloseEvents: {
    nodes: Array<{ __typename: string; createdAt?: string; actor?: SnapshotActor | null } | null> | null;
  };
}

/** The answer: `repository.p0 ... pN` (null for a PR that no longer exists) and the budget. */
export interface ClosedPullRequestsAnswer {
  repository: Record<string, ClosedPullRequestNode | null> | null;
  rateLimit: GraphqlRateLimit | null;
}

/**
 * One aliased query for up to CLOSED_PULL_REQUESTS_PER_QUERY pull requests of one repository
 * (`p0: pullRequest(number: $p0)`); numbers travel as variables.
 */
export function buildClosedPullRequestsQuery(
  owner: string,
  name: string,
  numbers: number[],
): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = { owner, name };
  const params = ["$owner: String!", "$name: String!"];
  const fields: string[] = [];
  numbers.forEach((n, i) => {
    variables[`p${i}`] = n;
    params.push(`$p${i}: Int!`);
    fields.push(`    p${i}: pullRequest(number: $p${i}) { ...PullRequestSnapshot ...PullRequestClose }`);
  });
  const query = `query ClosedPullRequests(${params.join(", ")}) {
  repository(owner: $owner, name: $name) {
${fields.join("\n")}
  }
  rateLimit { cost remaining resetAt }
}

${PULL_REQUEST_SNAPSHOT_FRAGMENT}

${CLOSE_FRAGMENT}
`;
  return { query, variables };
}

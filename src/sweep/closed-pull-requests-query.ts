import type { ClosedPullRequest } from "../outcomes/close-outcome.js";
import type { PullRequestSnapshot, SnapshotActor } from "../github/pr-snapshot.js";
import { PULL_REQUEST_SNAPSHOT_FRAGMENT } from "../github/queries/pull-request-snapshot.js";
import type { GraphqlRateLimit } from "./open-pull-requests-query.js";

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

/** A login as webhooks and REST spell it: GraphQL's Bot.login lacks the `[bot]` suffix. */
export function restLogin(actor: SnapshotActor | null | undefined): string | undefined {
  if (!actor) return undefined;
  return actor.__typename === "Bot" && !actor.login.endsWith("[bot]") ? `${actor.login}[bot]` : actor.login;
}

/** The close as closeOutcome reads it; undefined while the pull request is open. */
export function closedPullRequestFromNode(repo: string, node: ClosedPullRequestNode): ClosedPullRequest | undefined {
  if (node.state === "OPEN" || (!node.closedAt && !node.mergedAt)) return undefined;
  const mergedAt = node.mergedAt ? new Date(node.mergedAt) : null;
  const closedAt = new Date(node.closedAt ?? node.mergedAt!);
  const events = (node.sweepCloseEvents.nodes ?? []).filter((e): e is NonNullable<typeof e> => e !== null);
  const lastClose = events.filter((e) => e.__typename === "ClosedEvent").at(-1);
  let autoMerge = false;
  if (mergedAt) {
    const autoEvents = events.filter(
      (e) =>
        (e.__typename === "AutoMergeEnabledEvent" || e.__typename === "AutoMergeDisabledEvent") &&
        e.createdAt !== undefined &&
        new Date(e.createdAt).getTime() <= mergedAt.getTime(),
    );
    autoMerge = node.autoMergeRequest !== null || autoEvents.at(-1)?.__typename === "AutoMergeEnabledEvent";
  }
  return {
    repo,
    number: node.number,
    createdAt: new Date(node.createdAt),
    closedAt,
    mergedAt,
    mergedBy: mergedAt ? restLogin(node.mergedBy) : undefined,
    closedBy: mergedAt ? undefined : restLogin(lastClose?.actor),
    autoMerge,
  };
}

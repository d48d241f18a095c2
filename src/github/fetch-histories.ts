import { GitHubError } from "../errors.js";
import { describeGraphqlRefusal } from "./describe-github-failure.js";
import { withHalvingPages, type GraphqlClient, type GraphqlRateLimit } from "./graphql-client.js";
import type { SnapshotCheckContext } from "./pr-snapshot.js";
import type { HistoryItem, PullRequestHistory } from "./pull-request-history.js";
import { CHECK_CONTEXTS_PAGE_QUERY } from "./queries/check-contexts-page.js";
import {
  buildPullRequestHistoriesQuery,
  HISTORIES_PER_QUERY,
  PULL_REQUEST_LIST_QUERY,
  TIMELINE_PAGE_QUERY,
  type HistoryCommitNode,
  type HistoryItemNode,
  type PullRequestHistoryNode,
  type PullRequestListAnswer,
  type TimelinePageAnswer,
} from "./queries/pull-request-history.js";
import type { PageInfo } from "./pr-snapshot.js";

/** Told the budget GitHub reports after each query that asks for it. */
export type OnRateLimit = (rateLimit: GraphqlRateLimit) => void;

/** A pull request the backfill may read: its number and when it was last updated. */
export interface ListedPullRequest {
  number: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * A repository's pull requests updated at or after `since` (and created at or before `until`),
 * newest update first, 100 a page; the listing stops at the first one older than `since`.
 * `states`: GitHub's PullRequestState values. A missing repository is a GitHubError (404).
 */
export async function listPullRequests(
  github: GraphqlClient,
  repo: string,
  options: { since: Date; until: Date; states: readonly string[]; onRateLimit?: OnRateLimit | undefined },
): Promise<ListedPullRequest[]> {
  const [owner, name] = repo.split("/");
  const out: ListedPullRequest[] = [];
  let after: string | null = null;
  for (;;) {
    const page: PullRequestListAnswer = await github.data<PullRequestListAnswer>(PULL_REQUEST_LIST_QUERY, { owner, name, states: options.states, after }, { targets: [repo] });
    if (page.rateLimit) options.onRateLimit?.(page.rateLimit);
    const connection = page.repository?.pullRequests;
    if (!connection) throw new GitHubError(`${repo} not found: check the name, and that the app (or GITHUB_TOKEN) can read it`, [repo], 404);
    for (const node of connection.nodes ?? []) {
      if (!node) continue;
      if (Date.parse(node.updatedAt) < options.since.getTime()) return out;
      if (Date.parse(node.createdAt) <= options.until.getTime()) out.push(node);
    }
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return out;
    after = connection.pageInfo.endCursor;
  }
}

/** What one batch of numbers gave: each PR's history, or null when GitHub has no such PR (deleted). */
export type FetchedHistories = Map<number, PullRequestHistory | null>;

/**
 * The histories of `numbers` (one repository), HISTORIES_PER_QUERY a request (aliases); a request
 * GitHub fails as too big is asked again with fewer (withHalvingPages). Each PR's timeline past
 * its first 100 items, and each commit's check runs past 100, are followed page by page. Every
 * call goes through `github` (GraphqlClient: retry-after, GitHubError wording).
 */
export async function fetchHistories(
  github: GraphqlClient,
  repo: string,
  numbers: readonly number[],
  options: { onRateLimit?: OnRateLimit | undefined; perQuery?: number | undefined } = {},
): Promise<FetchedHistories> {
  const [owner, name] = repo.split("/") as [string, string];
  const out: FetchedHistories = new Map();
  let perQuery = options.perQuery ?? HISTORIES_PER_QUERY;
  for (let i = 0; i < numbers.length; ) {
    const asked = await withHalvingPages(
      async (n) => {
        const chunk = numbers.slice(i, i + n);
        const { query, variables } = buildPullRequestHistoriesQuery(owner, name, [...chunk]);
        const aliases = chunk.map((_, k) => ({ repoAlias: "r0", prAlias: `p${k}` }));
        const answer = await github.aliased(query, variables, aliases, chunk.map((x) => `${repo}#${x}`));
        if (answer.unattributed.length) throw new GitHubError(`${repo}: ${describeGraphqlRefusal(answer.unattributed, github.next)}`, [repo]);
        const rateLimit = (answer.data?.["rateLimit"] ?? null) as GraphqlRateLimit | null;
        if (rateLimit) options.onRateLimit?.(rateLimit);
        const nodes: Array<PullRequestHistoryNode | null> = [];
        for (const alias of aliases) {
          const result = answer.results.get(alias)!;
          if (result.ok) nodes.push(result.value as PullRequestHistoryNode | null);
          else if ("errors" in result && result.errors.every((e) => e.type === "NOT_FOUND")) nodes.push(null);
          else if ("errors" in result && result.errors.some((e) => e.path?.length === 1)) {
            throw new GitHubError(`${repo}: ${describeGraphqlRefusal(result.errors, github.next)}`, [repo], result.errors.some((e) => e.type === "NOT_FOUND") ? 404 : 0);
          } else throw new GitHubError(`${repo}#${chunk[aliases.indexOf(alias)]}: ${"errors" in result ? describeGraphqlRefusal(result.errors, github.next) : "GitHub did not answer"}`, [repo]);
        }
        return { chunk, nodes };
      },
      { pageSize: Math.min(perQuery, numbers.length - i), minPageSize: 1 },
    );
    perQuery = asked.pageSize;
    const { chunk, nodes } = asked.value;
    for (let k = 0; k < chunk.length; k++) {
      const node = nodes[k];
      out.set(chunk[k]!, node ? await completeHistory(github, repo, node, options.onRateLimit) : null);
    }
    i += chunk.length;
  }
  return out;
}

/** Follows the node's timeline and check-run pages, and turns it into a PullRequestHistory. */
async function completeHistory(github: GraphqlClient, repo: string, node: PullRequestHistoryNode, onRateLimit: OnRateLimit | undefined): Promise<PullRequestHistory> {
  const items: HistoryItemNode[] = [];
  let page = node.timelineItems;
  for (;;) {
    for (const item of page.nodes ?? []) if (item) items.push(item);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    const answer: TimelinePageAnswer = await github.data<TimelinePageAnswer>(TIMELINE_PAGE_QUERY, { id: node.id, after: page.pageInfo.endCursor }, { targets: [`${repo}#${node.number}`] });
    if (answer.rateLimit) onRateLimit?.(answer.rateLimit);
    if (!answer.node?.timelineItems) break;
    page = answer.node.timelineItems;
  }
  const checks: Record<string, SnapshotCheckContext[]> = {};
  for (const item of items) {
    for (const commit of [item.commit, item.afterCommit]) {
      if (commit && !(commit.oid in checks)) checks[commit.oid] = await commitContexts(github, repo, node.number, commit);
    }
  }
  return {
    id: node.id,
    number: node.number,
    repo: node.repository.nameWithOwner,
    state: node.state,
    isDraft: node.isDraft,
    createdAt: node.createdAt,
    closedAt: node.closedAt,
    mergedAt: node.mergedAt,
    headRefName: node.headRefName,
    baseRefName: node.baseRefName,
    author: node.author,
    commitCount: node.commits.totalCount,
    timeline: items.map(historyItem),
    checks,
  };
}

/** Every check run and status of a commit: the first page came with it, the rest by the rollup's id. */
async function commitContexts(github: GraphqlClient, repo: string, pr: number, commit: HistoryCommitNode): Promise<SnapshotCheckContext[]> {
  const rollup = commit.statusCheckRollup;
  if (!rollup) return [];
  const out: SnapshotCheckContext[] = [];
  let connection: { pageInfo: PageInfo; nodes: Array<SnapshotCheckContext | null> | null } = rollup.contexts;
  for (;;) {
    for (const c of connection.nodes ?? []) if (c) out.push(c);
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return out;
    type ContextsAnswer = { node: { contexts?: typeof connection } | null };
    const answer: ContextsAnswer = await github.data<ContextsAnswer>(CHECK_CONTEXTS_PAGE_QUERY, { id: rollup.id, after: connection.pageInfo.endCursor }, { targets: [`${repo}#${pr}`] });
    if (!answer.node?.contexts) return out;
    connection = answer.node.contexts;
  }
}

/** The item as the replay reads it: commits keep only oid and date (their checks are in `checks`). */
function historyItem(node: HistoryItemNode): HistoryItem {
  if (node.__typename === "PullRequestCommit" && node.commit) {
    const c = node.commit;
    return {
      __typename: "PullRequestCommit",
      commit: {
        oid: c.oid,
        committedDate: c.committedDate,
        message: c.message,
        parents: (c.parents?.nodes ?? []).flatMap((p) => (p ? [p.oid] : [])),
        author: c.author?.user ?? null,
      },
    };
  }
  if (node.__typename === "HeadRefForcePushedEvent") {
    const after = node.afterCommit;
    return { ...(node as unknown as HistoryItem), afterCommit: after ? { oid: after.oid, committedDate: after.committedDate } : null } as HistoryItem;
  }
  return node as unknown as HistoryItem;
}

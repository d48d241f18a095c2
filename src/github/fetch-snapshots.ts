import { GitHubError } from "../errors.js";
import { describeNetworkFailure, networkFailure } from "./network-failure.js";
import type {
  PullRequestSnapshot,
  SnapshotCheckContext,
  SnapshotConnection,
  SnapshotReview,
  SnapshotReviewThread,
} from "./pr-snapshot.js";
import { CHECK_CONTEXTS_PAGE_QUERY } from "./queries/check-contexts-page.js";
import { OPINIONATED_REVIEWS_PAGE_QUERY } from "./queries/opinionated-reviews-page.js";
import { buildSnapshotQuery } from "./queries/pull-request-snapshot.js";
import { REVIEW_THREADS_PAGE_QUERY } from "./queries/review-threads-page.js";

/** One pull request to snapshot. */
export interface SnapshotTarget {
  owner: string;
  repo: string;
  number: number;
}

/** `octokit.graphql` (an installation's Probot octokit: retries and throttling included). */
export type GraphqlFn = (query: string, variables?: Record<string, unknown>) => Promise<unknown>;

/**
 * How many pull requests one aliased query asks for. GitHub answers a query within 10 s or
 * fails it; 25 full snapshots stay well inside that and inside the node limit (25 x 300).
 */
export const MAX_TARGETS_PER_QUERY = 25;

/** The key of a target in `fetchSnapshots`' map: `owner/repo#123`, spelled as given. */
export function snapshotKey(t: SnapshotTarget): string {
  return `${t.owner}/${t.repo}#${t.number}`;
}

/**
 * Snapshots of many pull requests, with as few requests as possible: one aliased query per
 * `MAX_TARGETS_PER_QUERY` targets, plus a follow-up page query only for a connection (check
 * contexts, review threads, opinionated reviews) longer than one page, so counts are complete.
 *
 * The map has one entry per target key; `null` means GitHub answered NOT_FOUND for that pull
 * request or its repository (deleted, transferred, or the installation lost access). Any other
 * failure (HTTP error after Probot's retry/throttling plugins gave up, FORBIDDEN, a node limit)
 * throws a `GitHubError` naming the pull requests; retrying is left to those plugins and the caller.
 */
export async function fetchSnapshots(
  graphql: GraphqlFn,
  targets: SnapshotTarget[],
): Promise<Map<string, PullRequestSnapshot | null>> {
  // Same PR asked twice (or with another casing of owner/repo): fetched once, answered under each key.
  const byIdentity = new Map<string, SnapshotTarget[]>();
  for (const t of targets) {
    const id = snapshotKey(t).toLowerCase();
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), t]);
  }
  const distinct = [...byIdentity.values()].map((same) => same[0] as SnapshotTarget);

  const result = new Map<string, PullRequestSnapshot | null>();
  for (let i = 0; i < distinct.length; i += MAX_TARGETS_PER_QUERY) {
    const chunk = distinct.slice(i, i + MAX_TARGETS_PER_QUERY);
    const fetched = await fetchChunk(graphql, chunk);
    for (const [target, snapshot] of fetched) {
      for (const same of byIdentity.get(snapshotKey(target).toLowerCase()) ?? []) {
        result.set(snapshotKey(same), snapshot);
      }
    }
  }
  return result;
}

interface GraphqlAnswer {
  data: Record<string, unknown> | null;
  errors: GraphqlErrorEntry[];
}

interface GraphqlErrorEntry {
  type?: string;
  message?: string;
  path?: Array<string | number>;
}

async function fetchChunk(
  graphql: GraphqlFn,
  chunk: SnapshotTarget[],
): Promise<Array<[SnapshotTarget, PullRequestSnapshot | null]>> {
  const { query, variables, aliases } = buildSnapshotQuery(chunk);
  const keys = chunk.map(snapshotKey);
  const answer = await callGraphql(graphql, query, variables, keys);

  // A GraphQL error's path names the alias it hit: ["r0"] (repository) or ["r0", "p3", ...].
  const failed: Array<{ error: GraphqlErrorEntry; keys: string[] }> = [];
  const notFound = new Set<string>();
  for (const error of answer.errors) {
    const [repoAlias, prAlias] = error.path ?? [];
    const hit = aliases.filter(
      (a) => a.repoAlias === repoAlias && (prAlias === undefined || a.prAlias === prAlias),
    );
    if (error.type === "NOT_FOUND" && hit.length > 0 && (error.path?.length ?? 0) <= 2) {
      for (const a of hit) notFound.add(snapshotKey(a.target));
    } else {
      failed.push({ error, keys: hit.length > 0 ? hit.map((a) => snapshotKey(a.target)) : keys });
    }
  }
  if (failed.length > 0) throw graphqlFailure(failed);

  const out: Array<[SnapshotTarget, PullRequestSnapshot | null]> = [];
  for (const a of aliases) {
    const repo = answer.data?.[a.repoAlias] as Record<string, unknown> | null | undefined;
    const snapshot = (repo?.[a.prAlias] ?? null) as PullRequestSnapshot | null;
    const key = snapshotKey(a.target);
    out.push([a.target, snapshot && !notFound.has(key) ? await completeSnapshot(graphql, snapshot, key) : null]);
  }
  return out;
}

/** Runs one query; a GraphQL response with errors comes back as data + errors, HTTP failures throw. */
async function callGraphql(
  graphql: GraphqlFn,
  query: string,
  variables: Record<string, unknown>,
  keys: string[],
): Promise<GraphqlAnswer> {
  try {
    const data = (await graphql(query, variables)) as Record<string, unknown> | null;
    return { data, errors: [] };
  } catch (error) {
    // @octokit/graphql's GraphqlResponseError: HTTP 200 with an `errors` array, and partial `data`.
    if (isGraphqlResponseError(error)) {
      return { data: error.data ?? null, errors: error.errors };
    }
    throw httpFailure(error, keys);
  }
}

function isGraphqlResponseError(
  error: unknown,
): error is { data?: Record<string, unknown> | null; errors: GraphqlErrorEntry[] } {
  return (
    typeof error === "object" &&
    error !== null &&
    Array.isArray((error as { errors?: unknown }).errors)
  );
}

const GRAPHQL_HINTS: Record<string, string> = {
  FORBIDDEN:
    "the app lacks a permission: check that it has read access to pull requests, checks and commit statuses, and accept updated permissions on the installation",
  RATE_LIMITED: "the installation's GraphQL rate limit is used up: it resets within the hour",
  MAX_NODE_LIMIT_EXCEEDED: "the query asks for too many nodes: lower MAX_TARGETS_PER_QUERY",
};

function graphqlFailure(failed: Array<{ error: GraphqlErrorEntry; keys: string[] }>): GitHubError {
  const keys = [...new Set(failed.flatMap((f) => f.keys))];
  const types = [...new Set(failed.map((f) => f.error.type ?? "UNKNOWN_ERROR"))];
  const messages = [...new Set(failed.map((f) => `${f.error.type ?? "error"}: ${f.error.message ?? "(no message)"}`))];
  const hints = types.flatMap((t) => (GRAPHQL_HINTS[t] ? [GRAPHQL_HINTS[t]] : []));
  const next = hints.length > 0 ? hints.join("; ") : "see GitHub's message; the snapshot is fetched again on the next event or sweep";
  return new GitHubError(
    `GitHub GraphQL refused the snapshot of ${keys.join(", ")}: ${messages.join("; ")}. Next: ${next}.`,
    keys,
    0,
    types,
  );
}

function httpFailure(error: unknown, keys: string[]): GitHubError {
  // No answer at all (DNS, refused, timeout): octokit calls it a 500, but GitHub never saw it.
  const network = networkFailure(error);
  if (network) return new GitHubError(`${describeNetworkFailure(network)}. The snapshot of ${keys.join(", ")} is fetched again on the next event or sweep.`, keys, 0);
  const status = typeof (error as { status?: unknown })?.status === "number" ? (error as { status: number }).status : 0;
  // Only GitHub's message: a RequestError also carries the request, whose headers hold the token.
  const message = error instanceof Error ? error.message : String(error);
  const next =
    status === 401
      ? "check the app's credentials (APP_ID and PRIVATE_KEY / GITHUB_TOKEN)"
      : status === 403 || status === 429
        ? "GitHub's rate limit held after Probot's throttling retries; the snapshot is fetched again later"
        : status >= 500
          ? "GitHub is failing (Probot already retried); the snapshot is fetched again on the next event or sweep"
          : "see GitHub's message";
  return new GitHubError(
    `GitHub answered ${status ? `HTTP ${status}` : "with a failure"} to the snapshot query for ${keys.join(", ")}: ${message}. Next: ${next}.`,
    keys,
    status,
  );
}

/**
 * Completes every connection of a snapshot that has more than one page (check contexts, review
 * threads, opinionated reviews), with one small page query each. `fetchSnapshots` calls it;
 * a caller that selected `...PullRequestSnapshot` in its own query (the sweep) calls it too,
 * so its counts are as complete. `key` names the PR in errors. Returns a new object.
 */
export async function completeSnapshot(
  graphql: GraphqlFn,
  snapshot: PullRequestSnapshot,
  key: string,
): Promise<PullRequestSnapshot> {
  let out = snapshot;
  const head = out.commits.nodes?.at(-1)?.commit;
  const rollup = head?.statusCheckRollup;
  if (head && rollup && rollup.contexts.pageInfo.hasNextPage) {
    const contexts = await followConnection<SnapshotCheckContext>(
      graphql, CHECK_CONTEXTS_PAGE_QUERY, rollup.id, rollup.contexts, "contexts", key,
    );
    const commit = { ...head, statusCheckRollup: { ...rollup, contexts } };
    out = { ...out, commits: { ...out.commits, nodes: [{ commit }] } };
  }
  if (out.reviewThreads.pageInfo.hasNextPage) {
    const threads = await followConnection<SnapshotReviewThread>(
      graphql, REVIEW_THREADS_PAGE_QUERY, out.id, out.reviewThreads, "reviewThreads", key,
    );
    out = { ...out, reviewThreads: { ...out.reviewThreads, ...threads } };
  }
  if (out.latestOpinionatedReviews?.pageInfo.hasNextPage) {
    const reviews = await followConnection<SnapshotReview>(
      graphql, OPINIONATED_REVIEWS_PAGE_QUERY, out.id, out.latestOpinionatedReviews, "latestOpinionatedReviews", key,
    );
    out = { ...out, latestOpinionatedReviews: reviews };
  }
  return out;
}

/** Asks `node(id) { field(after) }` until the last page; returns all nodes and the last pageInfo. */
async function followConnection<T>(
  graphql: GraphqlFn,
  query: string,
  id: string,
  first: SnapshotConnection<T>,
  field: string,
  key: string,
): Promise<SnapshotConnection<T>> {
  const nodes = [...(first.nodes ?? [])];
  let pageInfo = first.pageInfo;
  while (pageInfo.hasNextPage && pageInfo.endCursor) {
    const answer = await callGraphql(graphql, query, { id, after: pageInfo.endCursor }, [key]);
    if (answer.errors.length > 0) throw graphqlFailure(answer.errors.map((error) => ({ error, keys: [key] })));
    const node = answer.data?.["node"] as Record<string, unknown> | null | undefined;
    const page = node?.[field] as SnapshotConnection<T> | undefined;
    if (!page) {
      throw new GitHubError(
        `GitHub returned no ${field} page for ${key} (the pull request changed while it was read). Next: the snapshot is fetched again on the next event or sweep.`,
        [key],
      );
    }
    nodes.push(...(page.nodes ?? []));
    pageInfo = page.pageInfo;
  }
  return { pageInfo, nodes };
}

import { GitHubError } from "../errors.js";
import { describeGraphqlRefusal, graphqlRefusalError, SNAPSHOT_NEXT, toGitHubError } from "./describe-github-failure.js";
import { asGraphqlClient, type GraphqlClient, type GraphqlFn } from "./graphql-client.js";
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

/**
 * How many pull requests one aliased query asks for. GitHub answers a query within 10 s or
 * fails it; 25 full snapshots stay well inside that and inside the node limit (25 x 300).
 */
export const MAX_TARGETS_PER_QUERY = 25;

/** The key of a target in `fetchSnapshots`' map: `owner/repo#123`, spelled as given. */
export function snapshotKey(t: SnapshotTarget): string {
  return `${t.owner}/${t.repo}#${t.number}`;
}

/** Told about a pull request GitHub refused even when asked alone: its key, and GitHub's words. */
export type OnDropped = (key: string, reason: string) => void;

/**
 * Snapshots of many pull requests, with as few requests as possible: one aliased query per
 * `MAX_TARGETS_PER_QUERY` targets, plus a follow-up page query only for a connection (check
 * contexts, review threads, opinionated reviews) longer than one page, so counts are complete.
 *
 * The map has one entry per target key. One pull request GitHub refuses inside the aliased query
 * (NOT_FOUND: a number it rejects, a PR deleted or transferred, a repository renamed; FORBIDDEN;
 * an error in one of its follow-up pages) does not sink the others: GitHub's partial `data` gives
 * theirs, and the refused one is asked again alone, once (a PR created a moment ago can be
 * NOT_FOUND for a moment). If it fails again it maps to `null` and `onDropped` is told its key and
 * GitHub's message; the caller must not ask again forever. A failure of the whole request (HTTP
 * error after Probot's retry/throttling plugins gave up, a rate limit, the node limit) still
 * throws a `GitHubError` naming the pull requests; retrying is left to those plugins and the caller
 * (or to the policy of the GraphqlClient passed instead of `octokit.graphql`).
 */
export async function fetchSnapshots(
  graphql: GraphqlFn | GraphqlClient,
  targets: SnapshotTarget[],
  onDropped?: OnDropped,
): Promise<Map<string, PullRequestSnapshot | null>> {
  // Same PR asked twice (or with another casing of owner/repo): fetched once, answered under each key.
  const byIdentity = new Map<string, SnapshotTarget[]>();
  for (const t of targets) {
    const id = snapshotKey(t).toLowerCase();
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), t]);
  }
  const distinct = [...byIdentity.values()].map((same) => same[0] as SnapshotTarget);

  const client = asGraphqlClient(graphql, { next: SNAPSHOT_NEXT });
  const result = new Map<string, PullRequestSnapshot | null>();
  for (let i = 0; i < distinct.length; i += MAX_TARGETS_PER_QUERY) {
    const chunk = distinct.slice(i, i + MAX_TARGETS_PER_QUERY);
    for (const [target, first] of await fetchChunk(client, chunk)) {
      let fetched = first;
      if (!fetched.ok) fetched = (await fetchChunk(client, [target]))[0]![1];
      if (!fetched.ok) onDropped?.(snapshotKey(target), fetched.reason);
      const snapshot = fetched.ok ? fetched.snapshot : null;
      for (const same of byIdentity.get(snapshotKey(target).toLowerCase()) ?? []) {
        result.set(snapshotKey(same), snapshot);
      }
    }
  }
  return result;
}

/** One target's answer within a query: its snapshot (null: none), or why GitHub refused it. */
type TargetFetch = { ok: true; snapshot: PullRequestSnapshot | null } | { ok: false; reason: string };

/** A failure of the request itself (HTTP, network): it concerns every target of the query. */
class TransportFailure extends GitHubError {}

/** The start of every message of the snapshot path: what was asked. */
function snapshotOf(keys: readonly string[]): string {
  return `could not fetch the snapshot of ${keys.join(", ")}`;
}

async function fetchChunk(client: GraphqlClient, chunk: SnapshotTarget[]): Promise<Array<[SnapshotTarget, TargetFetch]>> {
  const { query, variables, aliases } = buildSnapshotQuery(chunk);
  const keys = chunk.map(snapshotKey);
  const { results, unattributed } = await askGraphql(() => client.aliased(query, variables, aliases, keys), keys, client.next);
  if (unattributed.length > 0) throw graphqlRefusalError(unattributed, keys, snapshotOf(keys), client.next);

  // Asked again together: fewer targets than this query, since an error hit at least one alias.
  const unanswered = aliases.filter((a) => "unanswered" in results.get(a)!);
  const again = new Map(unanswered.length > 0 ? await fetchChunk(client, unanswered.map((a) => a.target)) : []);
  const out: Array<[SnapshotTarget, TargetFetch]> = [];
  for (const a of aliases) {
    const r = results.get(a)!;
    if (!r.ok) {
      // Dropped, not retried: no "what happens next" in the reason.
      out.push([a.target, "errors" in r ? { ok: false, reason: describeGraphqlRefusal(r.errors) } : again.get(a.target)!]);
      continue;
    }
    const snapshot = r.value as PullRequestSnapshot | null;
    try {
      out.push([a.target, { ok: true, snapshot: snapshot && (await completeSnapshot(client, snapshot, snapshotKey(a.target))) }]);
    } catch (err) {
      if (err instanceof TransportFailure) throw err;
      out.push([a.target, { ok: false, reason: (err as Error).message }]);
    }
  }
  return out;
}

/**
 * Runs one call of the client; its GitHubError (HTTP, network: described by the client, with
 * the client's `next`) is prefixed with the pull requests asked, and marked as the request's.
 */
async function askGraphql<T>(call: () => Promise<T>, keys: string[], next: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const typed = toGitHubError(error, keys, snapshotOf(keys), next);
    throw new TransportFailure(typed.message, typed.targets.length > 0 ? typed.targets : keys, typed.status, typed.errorTypes, typed.detail);
  }
}

/**
 * Completes every connection of a snapshot that has more than one page (check contexts, review
 * threads, opinionated reviews), with one small page query each. `fetchSnapshots` calls it;
 * a caller that selected `...PullRequestSnapshot` in its own query (the sweep) calls it too,
 * so its counts are as complete. `key` names the PR in errors. Returns a new object.
 */
export async function completeSnapshot(
  graphql: GraphqlFn | GraphqlClient,
  snapshot: PullRequestSnapshot,
  key: string,
): Promise<PullRequestSnapshot> {
  const client = asGraphqlClient(graphql, { next: SNAPSHOT_NEXT });
  let out = snapshot;
  const head = out.commits.nodes?.at(-1)?.commit;
  const rollup = head?.statusCheckRollup;
  if (head && rollup && rollup.contexts.pageInfo.hasNextPage) {
    const contexts = await followConnection<SnapshotCheckContext>(
      client, CHECK_CONTEXTS_PAGE_QUERY, rollup.id, rollup.contexts, "contexts", key,
    );
    const commit = { ...head, statusCheckRollup: { ...rollup, contexts } };
    out = { ...out, commits: { ...out.commits, nodes: [{ commit }] } };
  }
  if (out.reviewThreads.pageInfo.hasNextPage) {
    const threads = await followConnection<SnapshotReviewThread>(
      client, REVIEW_THREADS_PAGE_QUERY, out.id, out.reviewThreads, "reviewThreads", key,
    );
    out = { ...out, reviewThreads: { ...out.reviewThreads, ...threads } };
  }
  if (out.latestOpinionatedReviews?.pageInfo.hasNextPage) {
    const reviews = await followConnection<SnapshotReview>(
      client, OPINIONATED_REVIEWS_PAGE_QUERY, out.id, out.latestOpinionatedReviews, "latestOpinionatedReviews", key,
    );
    out = { ...out, latestOpinionatedReviews: reviews };
  }
  return out;
}

/** Asks `node(id) { field(after) }` until the last page; returns all nodes and the last pageInfo. */
async function followConnection<T>(
  client: GraphqlClient,
  query: string,
  id: string,
  first: SnapshotConnection<T>,
  field: string,
  key: string,
): Promise<SnapshotConnection<T>> {
  const nodes = [...(first.nodes ?? [])];
  let pageInfo = first.pageInfo;
  while (pageInfo.hasNextPage && pageInfo.endCursor) {
    const answer = await askGraphql(() => client.answer<Record<string, unknown>>(query, { id, after: pageInfo.endCursor }, [key]), [key], client.next);
    if (answer.errors.length > 0) throw graphqlRefusalError(answer.errors, [key], snapshotOf([key]), client.next);
    const node = answer.data?.["node"] as Record<string, unknown> | null | undefined;
    const page = node?.[field] as SnapshotConnection<T> | undefined;
    if (!page) {
      throw new GitHubError(`${snapshotOf([key])}: GitHub returned no ${field} page (the pull request changed while it was read); ${client.next}`, [key]);
    }
    nodes.push(...(page.nodes ?? []));
    pageInfo = page.pageInfo;
  }
  return { pageInfo, nodes };
}

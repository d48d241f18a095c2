import type { Logger } from "probot";
import type { GitHubError } from "../errors.js";
import { networkFailureOf, statusOf, SWEEP_NEXT, toGitHubError } from "./describe-github-failure.js";
import { splitAliasedAnswer, type AliasPosition, type AliasResult, type GraphqlErrorEntry } from "./split-aliased-answer.js";
import { withRetryAfter } from "./with-retry-after.js";

/**
 * `octokit.graphql` of an installation's (or a token's) Probot octokit: Probot's retry plugin
 * already retries 5xx and 429 answers, its throttling plugin waits out rate limits; the client
 * below adds what those cannot know about (see GraphqlPolicy, withHalvingPages).
 */
export type GraphqlFn = (query: string, variables?: Record<string, unknown>) => Promise<unknown>;

/** GitHub's GraphQL budget after a query (points, not requests): `rateLimit { cost remaining resetAt }`. */
export interface GraphqlRateLimit {
  cost: number;
  remaining: number;
  resetAt: string;
}

/** How hard a caller tries, where it differs from Probot's plugins alone. */
export interface GraphqlPolicy {
  /**
   * Wait out a secondary rate limit (403/429 with retry-after, or GitHub's message) that still
   * fails after Probot's throttling: the sweep waits (2 tries, up to 120 s each) rather than give
   * a repository up; unset (the webhook path): fail at once, the observer retries later.
   */
  retryAfter?: { log: Logger; retries?: number; maxWaitSeconds?: number; sleep?: ((ms: number) => Promise<void>) | undefined; signal?: AbortSignal | undefined };
  /** What a failure's message says happens next (who tries again): SWEEP_NEXT unless told. */
  next?: string;
}

/** An answer with its GraphQL errors: `data` is GitHub's partial data (null when it gave none). */
export interface GraphqlAnswer<T> {
  data: T | null;
  errors: GraphqlErrorEntry[];
}

/** What one aliased query answered for each alias, and the errors that name none (the whole request's). */
export interface AliasedAnswer<A extends AliasPosition, T = Record<string, unknown>> {
  data: T | null;
  results: Map<A, AliasResult>;
  unattributed: GraphqlErrorEntry[];
}

/** The one way pr-telemetry asks GitHub's GraphQL API something. Failures throw a GitHubError. */
export interface GraphqlClient {
  /** What this caller's failure messages say happens next (GraphqlPolicy.next). */
  readonly next: string;
  /**
   * The data, or a GitHubError for any failure (HTTP, network, a GraphQL error) saying what to
   * do; `tolerate` keeps the partial data when every GraphQL error is one it accepts (e.g. a
   * NOT_FOUND alias: a deleted pull request is null in the data). `targets` name what was asked.
   */
  data<T>(query: string, variables: Record<string, unknown>, options?: { targets?: readonly string[]; tolerate?: (error: GraphqlErrorEntry) => boolean }): Promise<T>;
  /** The data and GraphQL errors as they came (partial data kept); HTTP and network failures throw. */
  answer<T>(query: string, variables: Record<string, unknown>, targets?: readonly string[]): Promise<GraphqlAnswer<T>>;
  /** `answer` split per alias (splitAliasedAnswer), so one failing alias does not fail the others. */
  aliased<A extends AliasPosition>(query: string, variables: Record<string, unknown>, aliases: readonly A[], targets?: readonly string[]): Promise<AliasedAnswer<A>>;
}

/** A GraphqlClient over `graphql` with the caller's policy (none: Probot's plugins only). */
export function graphqlClient(graphql: GraphqlFn, policy: GraphqlPolicy = {}): GraphqlClient {
  const send = (query: string, variables: Record<string, unknown>): Promise<unknown> =>
    policy.retryAfter ? withRetryAfter(() => graphql(query, variables), policy.retryAfter) : graphql(query, variables);
  const next = policy.next ?? SWEEP_NEXT;
  return {
    next,
    async data<T>(query: string, variables: Record<string, unknown>, options: { targets?: readonly string[]; tolerate?: (error: GraphqlErrorEntry) => boolean } = {}): Promise<T> {
      try {
        return (await send(query, variables)) as T;
      } catch (error) {
        const tolerate = options.tolerate;
        if (tolerate && isGraphqlResponseError(error) && error.data && error.errors.every(tolerate)) return error.data as T;
        throw toGitHubError(error, options.targets, undefined, next);
      }
    },
    async answer<T>(query: string, variables: Record<string, unknown>, targets: readonly string[] = []): Promise<GraphqlAnswer<T>> {
      try {
        return { data: (await send(query, variables)) as T | null, errors: [] };
      } catch (error) {
        // @octokit/graphql's GraphqlResponseError: HTTP 200 with an `errors` array, and partial `data`.
        if (isGraphqlResponseError(error)) return { data: (error.data ?? null) as T | null, errors: error.errors };
        throw toGitHubError(error, targets, undefined, next);
      }
    },
    async aliased<A extends AliasPosition>(query: string, variables: Record<string, unknown>, aliases: readonly A[], targets: readonly string[] = []): Promise<AliasedAnswer<A>> {
      const answer = await this.answer<Record<string, unknown>>(query, variables, targets);
      return { data: answer.data, ...splitAliasedAnswer(answer, aliases) };
    },
  };
}

/** Turns a caller's GraphqlFn into a client (no policy but `policy`); a client is returned as is. */
export function asGraphqlClient(graphql: GraphqlFn | GraphqlClient, policy: GraphqlPolicy = {}): GraphqlClient {
  return typeof graphql === "function" ? graphqlClient(graphql, policy) : graphql;
}

export interface HalvingOptions {
  /** The page size asked first. */
  pageSize: number;
  /** Smallest page asked; a failure at this size is thrown (default 10). */
  minPageSize?: number;
  /** Told each new, smaller size before it is asked (for a log line). */
  onHalve?: (pageSize: number, error: GitHubError | unknown) => void;
}

/**
 * Runs `ask(pageSize)`, halving the page size while GitHub fails it as too big: a 5xx (GitHub
 * answers 502/504 to a query that ran past its 10 s), MAX_NODE_LIMIT_EXCEEDED, or a GraphQL
 * timeout. A network failure is not about the page (smaller pages would fail the same way) and
 * is thrown at once, as is any other error. Returns the answer and the size that worked, so a
 * caller paging through a connection goes on with it.
 */
export async function withHalvingPages<T>(ask: (pageSize: number) => Promise<T>, options: HalvingOptions): Promise<{ value: T; pageSize: number }> {
  const min = options.minPageSize ?? 10;
  let pageSize = options.pageSize;
  for (;;) {
    try {
      return { value: await ask(pageSize), pageSize };
    } catch (error) {
      if (pageSize <= min || !isTooBigForOnePage(error)) throw error;
      pageSize = Math.max(min, Math.floor(pageSize / 2));
      options.onHalve?.(pageSize, error);
    }
  }
}

/** Whether a smaller page could succeed where this one failed (see withHalvingPages). */
export function isTooBigForOnePage(error: unknown): boolean {
  if (networkFailureOf(error)) return false;
  if (statusOf(error) >= 500) return true;
  const types = (error as { errorTypes?: readonly string[] } | null)?.errorTypes ?? [];
  if (types.includes("MAX_NODE_LIMIT_EXCEEDED")) return true;
  // GitHub's own words for a query that ran too long, sent as a GraphQL error without a type.
  const message = (error as { detail?: { githubMessage?: string } } | null)?.detail?.githubMessage ?? "";
  return /this may be the result of a timeout/i.test(message);
}

function isGraphqlResponseError(error: unknown): error is { data?: unknown; errors: GraphqlErrorEntry[] } {
  return typeof error === "object" && error !== null && Array.isArray((error as { errors?: unknown }).errors);
}

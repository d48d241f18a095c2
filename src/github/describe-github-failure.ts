import { GitHubError } from "../errors.js";
import { describeNetworkFailure, networkFailure, type NetworkFailure } from "./network-failure.js";
import { describeGraphqlErrors, type GraphqlErrorEntry } from "./split-aliased-answer.js";

/** What the sweep's messages say happens after a failure that may pass (5xx, rate limits, network). */
export const SWEEP_NEXT = "the next sweep tries again";

/** What the webhook path's messages say happens after a failure that may pass. */
export const SNAPSHOT_NEXT = "the snapshot is fetched again on the next event or sweep";

/**
 * What to do about the GraphQL error types we know (GitHub's `errors[].type`); HTTP 403 and 429
 * say the same. Kept in one table so the sweep and the webhook path give the same advice.
 */
const GRAPHQL_HINTS: Record<string, string> = {
  FORBIDDEN: "the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation",
  RATE_LIMITED: "GitHub's budget for this installation resets within the hour",
  MAX_NODE_LIMIT_EXCEEDED: "the query asks for too many nodes: ask for fewer at once, with a smaller page or a lower MAX_TARGETS_PER_QUERY for snapshots",
};

/**
 * What went wrong with a GitHub call, in one line a user can act on. Reads an octokit error
 * (RequestError, GraphqlResponseError) or a GitHubError alike. Only GitHub's status and message
 * are used: a RequestError also carries the request, whose headers hold the token. `next` ends
 * the message of a failure that may pass by itself (5xx, rate limits, network): who tries again.
 */
export function describeGitHubFailure(error: unknown, next: string = SWEEP_NEXT): string {
  // Checked first: octokit reports a request that got no answer at all as a 500.
  const network = networkFailureOf(error);
  if (network) return `${describeNetworkFailure(network)}; ${next}`;
  const status = statusOf(error);
  const graphqlTypes = graphqlErrorTypes(error);
  if (graphqlTypes.includes("NOT_FOUND") || status === 404) {
    return "not found (404): the repository was deleted or renamed, or the app lost access to it (uninstalled, or the repository removed from the installation)";
  }
  if (graphqlTypes.includes("FORBIDDEN") || status === 403) {
    if (isSecondaryRateLimit(error)) return `GitHub's secondary rate limit held after waiting its retry-after; ${next}`;
    return `forbidden (403): ${GRAPHQL_HINTS["FORBIDDEN"]}`;
  }
  if (graphqlTypes.includes("RATE_LIMITED") || status === 429) return `rate limit exhausted: ${GRAPHQL_HINTS["RATE_LIMITED"]}; ${next}`;
  if (graphqlTypes.includes("MAX_NODE_LIMIT_EXCEEDED")) return `${GRAPHQL_HINTS["MAX_NODE_LIMIT_EXCEEDED"]} (MAX_NODE_LIMIT_EXCEEDED)`;
  if (status === 401) return "unauthorized (401): check APP_ID and PRIVATE_KEY, or GITHUB_TOKEN";
  if (status >= 500) return `GitHub answered ${status} after retries; ${next}`;
  const message = githubMessageOf(error).split("\n")[0] ?? "";
  return status ? `GitHub answered ${status}: ${message}` : message;
}

/**
 * GraphQL errors GitHub sent for part of a query (an alias, a follow-up page) or for all of it,
 * in GitHub's own words with what to do for the types we know; without a known type, `next`
 * (when given) says who tries again. A pull request's NOT_FOUND keeps GitHub's words: they say
 * which number or node could not be resolved.
 */
export function describeGraphqlRefusal(errors: readonly GraphqlErrorEntry[], next?: string): string {
  const words = describeGraphqlErrors(errors);
  const hints = [...new Set(errors.flatMap((e) => (e.type && GRAPHQL_HINTS[e.type] ? [GRAPHQL_HINTS[e.type]!] : [])))];
  if (hints.length > 0) return `${words} (${hints.join("; ")})`;
  return next ? `${words}; ${next}` : words;
}

/**
 * The GitHubError for GraphQL errors that came without an HTTP failure (HTTP 200 with `errors`):
 * `what` was asked, then describeGraphqlRefusal; the GraphQL types are kept, status is 0.
 */
export function graphqlRefusalError(errors: readonly GraphqlErrorEntry[], targets: readonly string[], what: string, next?: string): GitHubError {
  const types = [...new Set(errors.map((e) => e.type ?? "UNKNOWN_ERROR"))];
  return new GitHubError(`${what}: ${describeGraphqlRefusal(errors, next)}`, targets, 0, types, { githubMessage: describeGraphqlErrors(errors) });
}

/**
 * The GitHubError for an octokit error: the message says what to do (describeGitHubFailure with
 * `next`, prefixed with `what` was asked when given); status, GraphQL error types, retry-after
 * and the network failure are kept, the request (and its token) is not. A GitHubError keeps its
 * own text (prefixed with `what`).
 */
export function toGitHubError(error: unknown, targets: readonly string[] = [], what?: string, next: string = SWEEP_NEXT): GitHubError {
  if (error instanceof GitHubError) {
    if (!what) return error;
    return new GitHubError(`${what}: ${error.message}`, error.targets, error.status, error.errorTypes, error.detail);
  }
  const described = describeGitHubFailure(error, next);
  return new GitHubError(what ? `${what}: ${described}` : described, targets, statusOf(error), graphqlErrorTypes(error), {
    githubMessage: githubMessageOf(error),
    retryAfter: retryAfterSeconds(error),
    network: networkFailureOf(error),
  });
}

/** The network failure of an octokit error or a GitHubError (undefined for a real HTTP answer). */
export function networkFailureOf(error: unknown): NetworkFailure | undefined {
  if (error instanceof GitHubError) return error.detail.network;
  return networkFailure(error);
}

/** The HTTP status of an octokit error or a GitHubError (0 when there is none). */
export function statusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : 0;
}

/** The `type` of each GraphQL error (@octokit/graphql's GraphqlResponseError, or GitHubError). */
export function graphqlErrorTypes(error: unknown): string[] {
  const e = error as { errors?: Array<{ type?: string }>; errorTypes?: readonly string[] } | null;
  if (Array.isArray(e?.errors)) return e.errors.map((x) => x.type ?? "");
  if (Array.isArray(e?.errorTypes)) return [...e.errorTypes];
  return [];
}

/** A 403/429 that GitHub marks as its secondary rate limit (the message says so, or retry-after is set). */
export function isSecondaryRateLimit(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== 403 && status !== 429) return false;
  return retryAfterSeconds(error) !== undefined || /secondary rate/i.test(githubMessageOf(error));
}

/** GitHub's retry-after header in seconds, when present. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (error instanceof GitHubError) return error.detail.retryAfter;
  const headers = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response?.headers;
  const value = Number(headers?.["retry-after"]);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** GitHub's own words: a GitHubError's kept message, or the octokit error's message. */
function githubMessageOf(error: unknown): string {
  if (error instanceof GitHubError) return error.detail.githubMessage ?? error.message;
  // @octokit/graphql's GraphqlResponseError: its message opens with "Request failed due to following response errors".
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return describeGraphqlErrors(errors as GraphqlErrorEntry[]);
  return error instanceof Error ? error.message : String(error);
}

import { GitHubError } from "../errors.js";
import { describeNetworkFailure, networkFailure, type NetworkFailure } from "./network-failure.js";

/**
 * What went wrong with a GitHub call, in one line a user can act on. Reads an octokit error
 * (RequestError, GraphqlResponseError) or a GitHubError alike. Only GitHub's status and message
 * are used: a RequestError also carries the request, whose headers hold the token.
 */
export function describeGitHubFailure(error: unknown): string {
  // Checked first: octokit reports a request that got no answer at all as a 500.
  const network = networkFailureOf(error);
  if (network) return describeNetworkFailure(network);
  const status = statusOf(error);
  const graphqlTypes = graphqlErrorTypes(error);
  if (graphqlTypes.includes("NOT_FOUND") || status === 404) {
    return "not found (404): the repository was deleted or renamed, or the app lost access to it (uninstalled, or the repository removed from the installation)";
  }
  if (graphqlTypes.includes("FORBIDDEN") || status === 403) {
    if (isSecondaryRateLimit(error)) return "GitHub's secondary rate limit held after waiting its retry-after; the next sweep tries again";
    return "forbidden (403): the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation";
  }
  if (graphqlTypes.includes("RATE_LIMITED") || status === 429) {
    return "rate limit exhausted: GitHub's budget for this installation resets within the hour";
  }
  if (status === 401) return "unauthorized (401): check APP_ID and PRIVATE_KEY, or GITHUB_TOKEN";
  if (status >= 500) return `GitHub answered ${status} after retries (and with smaller pages); the next sweep tries again`;
  const message = githubMessageOf(error).split("\n")[0] ?? "";
  return status ? `GitHub answered ${status}: ${message}` : message;
}

/**
 * The GitHubError for an octokit error: the message says what to do (describeGitHubFailure,
 * prefixed with `what` was asked when given); status, GraphQL error types, retry-after and the
 * network failure are kept, the request (and its token) is not. A GitHubError keeps its own text.
 */
export function toGitHubError(error: unknown, targets: readonly string[] = [], what?: string): GitHubError {
  if (error instanceof GitHubError) {
    if (!what) return error;
    return new GitHubError(`${what}: ${error.message}`, error.targets, error.status, error.errorTypes, error.detail);
  }
  const described = describeGitHubFailure(error);
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
  return error instanceof Error ? error.message : String(error);
}

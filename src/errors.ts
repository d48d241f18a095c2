/**
 * A failure the user can fix. The message says what is wrong and what to do; it never carries
 * a secret or a request object. Reported once, at the edge (start-up, CLI, HTTP answer).
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Input that was refused (a CLI argument, an API body): the message names the field. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The store could not take or give points (journal not writable, InfluxDB refused). */
export class StoreError extends Error {
  override name = "StoreError";
}

/**
 * GitHub could not give what was asked (an HTTP error after Probot's retries, a GraphQL error
 * other than NOT_FOUND, no answer at all). The message names the pull requests (`owner/repo#n`)
 * or the repository, GitHub's own error text and what to do next; `targets` lists them, `status`
 * is the HTTP status when there was one (0 otherwise; octokit's 500 for a request that got no
 * answer is kept, `detail.network` says so) and `errorTypes` the GraphQL error types (e.g.
 * FORBIDDEN, MAX_NODE_LIMIT_EXCEEDED). `detail` keeps what the retry and halving policy and the
 * messages need. Never carries the request (its headers hold the installation token).
 */
export class GitHubError extends Error {
  override name = "GitHubError";
  constructor(
    message: string,
    readonly targets: readonly string[] = [],
    readonly status = 0,
    readonly errorTypes: readonly string[] = [],
    readonly detail: GitHubErrorDetail = {},
  ) {
    super(message);
  }
}

/** What a GitHubError keeps of the failure, without the request. */
export interface GitHubErrorDetail {
  /** GitHub's (or octokit's) own message, as it came. */
  githubMessage?: string | undefined;
  /** GitHub's retry-after header, in seconds. */
  retryAfter?: number | undefined;
  /** The request got no HTTP answer: the system's code and the host it went to. */
  network?: { code: string; host: string | undefined } | undefined;
}

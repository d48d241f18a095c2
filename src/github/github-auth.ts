import { Probot, ProbotOctokit, type Logger } from "probot";
import type { Config } from "../config.js";
import { ConfigError } from "../errors.js";

/** How the CLI reaches GitHub: as the app (every installation) or with a token (named repositories). */
export type GitHubAuthMode = "app" | "token";

export interface CliGitHub {
  mode: GitHubAuthMode;
  /** Probot's `app.auth`: the app's JWT client without an id, an installation's with one; the token's client in token mode. */
  probot: Probot;
}

/** Longest secondary-rate-limit wait the CLI sits through before giving the repository up. */
const MAX_SECONDARY_WAIT_SECONDS = 120;

/**
 * Probot's octokit for a command-line run: the retry plugin as in the app, and the throttling
 * plugin told to honour GitHub's retry-after on secondary rate limits (twice, up to two minutes;
 * Probot's app default retries every time, with no cap) and not to sleep until the hourly budget resets on a
 * primary one (the sweep stops at its safety margin long before).
 */
export function cliOctokit(log: Logger): typeof ProbotOctokit {
  return ProbotOctokit.defaults((options: Record<string, any>) => ({
    ...options,
    throttle: {
      ...options.throttle,
      enabled: options.throttle?.enabled ?? true,
      onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        if (retryCount >= 2 || retryAfter > MAX_SECONDARY_WAIT_SECONDS) return false;
        log.warn(`GitHub secondary rate limit on ${request.method} ${request.url}: retrying in ${retryAfter} s`);
        return true;
      },
      onRateLimit: (retryAfter: number, request: { method: string; url: string }) => {
        log.warn(`GitHub rate limit exhausted on ${request.method} ${request.url} (resets in ${retryAfter} s): not waiting`);
        return false;
      },
    },
  })) as typeof ProbotOctokit;
}

/**
 * A Probot instance that authenticates the CLI against the GitHub the app uses
 * (config.github.baseUrl: api.github.com, or GHE_PROTOCOL://GHE_HOST/api/v3): as the app when
 * APP_ID and PRIVATE_KEY are set, else with GITHUB_TOKEN. `Octokit` replaces cliOctokit (tests
 * turn retries and throttling off).
 */
export function cliGitHub(config: Config, log: Logger, Octokit?: typeof ProbotOctokit): CliGitHub {
  const { appId, privateKey, token, baseUrl } = config.github;
  const common = { baseUrl, log, Octokit: Octokit ?? cliOctokit(log) };
  if (appId && privateKey) return { mode: "app", probot: new Probot({ ...common, appId, privateKey }) };
  if (token) return { mode: "token", probot: new Probot({ ...common, githubToken: token }) };
  if (appId || privateKey) {
    throw new ConfigError(
      appId
        ? "APP_ID is set but no private key: set PRIVATE_KEY or PRIVATE_KEY_PATH (the app's .pem file), or use GITHUB_TOKEN"
        : "a private key is set but no APP_ID: set APP_ID (the app's id on its settings page), or use GITHUB_TOKEN",
    );
  }
  throw new ConfigError(
    "no GitHub credentials: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) to act as the app, or GITHUB_TOKEN with --repo",
  );
}

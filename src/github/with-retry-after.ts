import type { Logger } from "probot";
import { isSecondaryRateLimit, retryAfterSeconds } from "./describe-github-failure.js";

export interface RetryAfterOptions {
  log: Logger;
  /** Longest wait honoured; a longer retry-after fails the call (the next sweep tries again). */
  maxWaitSeconds?: number;
  /** Tries after the first. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal | undefined;
}

/** GitHub's documented default wait when a secondary limit comes without retry-after. */
const DEFAULT_SECONDARY_WAIT_SECONDS = 60;

/**
 * Runs a GitHub call, waiting out a secondary rate limit as GitHub asks (retry-after). The
 * octokit's throttling plugin already retries when its onSecondaryRateLimit says so (Probot's
 * default does, and logs it); this is the backstop for a call that still fails with a secondary
 * limit (an octokit without throttling, or its retries spent), so the sweep waits rather than
 * giving the repository up. graphqlClient runs every query through it when its policy asks for waits.
 */
export async function withRetryAfter<T>(call: () => Promise<T>, options: RetryAfterOptions): Promise<T> {
  const { log, maxWaitSeconds = 120, retries = 2, sleep = delay } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isSecondaryRateLimit(error) || attempt >= retries || options.signal?.aborted) throw error;
      const wait = retryAfterSeconds(error) ?? DEFAULT_SECONDARY_WAIT_SECONDS;
      if (wait > maxWaitSeconds) throw error;
      log.warn({ retryAfter: wait, attempt: attempt + 1 }, "GitHub secondary rate limit: waiting retry-after before trying again");
      await sleep(wait * 1000);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

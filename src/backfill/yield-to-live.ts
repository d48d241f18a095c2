/** How the on-install backfill tells whether live capture has work waiting. */
export type LiveBusy = () => boolean;

export interface YieldOptions {
  /** How often a waiting backfill looks again (default 200 ms). */
  pollMs?: number;
  /** Least time between two backfill requests (default 0): spreads the backfill's use of the budget. */
  minGapMs?: number;
  signal?: AbortSignal | undefined;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A gate the backfill passes before each GitHub request: it waits while live capture has work
 * (observations waiting or fetching), and at least `minGapMs` since the previous request. The
 * backfill sends one request at a time, so live capture never waits behind more than one. Kept
 * here, apart from the octokit's pacing (Probot's throttling, per-installation limits): this
 * only decides *when* the backfill may ask, whatever paces the asking.
 */
export function yieldToLive(busy: LiveBusy, options: YieldOptions = {}): () => Promise<void> {
  const pollMs = options.pollMs ?? 200;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.()));
  let last = 0;
  return async () => {
    const stopped = () => {
      if (options.signal?.aborted) throw new Error("the backfill was stopped (shutting down)");
    };
    stopped();
    const gap = last + (options.minGapMs ?? 0) - Date.now();
    if (gap > 0) await sleep(gap);
    while (busy()) {
      stopped();
      await sleep(pollMs);
    }
    stopped();
    last = Date.now();
  };
}

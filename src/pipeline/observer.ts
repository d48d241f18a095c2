import type { Logger } from "probot";
import type { AttemptSource } from "../actions/attempt-counters.js";
import type { GraphqlFn } from "../github/graphql-client.js";
import type { Point } from "../store/point.js";

/** A pull request to observe. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

/** One reason to observe a PR: a webhook delivery (or a recovery of one). */
export interface ObserveRequest extends PullRequestRef {
  /** e.g. "pull_request.synchronize". */
  trigger: string;
  deliveryId?: string | undefined;
  /** The delivery's sequence number in the delivery log (see DeliveryLog.accept). */
  seq?: number | undefined;
  /** The commit the PR was found by, for a delivery that named a commit and no PR (status, fork checks). */
  commit?: string | undefined;
  /** How many deliveries this request stands for (merged while they waited for a config read or a commit look-up); 1 by default. */
  deliveries?: number | undefined;
  /** Requests of one installation are fetched together in one aliased query. */
  installationId: number | undefined;
  /**
   * The installation's GraphQL function. Pass one function per installation, not a delivery's
   * `context.octokit.graphql`: Probot's per-delivery octokit keeps the whole webhook payload alive.
   */
  graphql: GraphqlFn;
}

/**
 * What one written observation covered, for the delivery log: every delivery for this PR with a
 * sequence number up to `through` (and every delivery of each commit in `commits` up to its
 * number) was accepted before the snapshot was fetched, so the snapshot includes its event.
 * A watermark instead of the list of delivery ids keeps a waiting PR's state the same size
 * however many deliveries arrive meanwhile.
 */
export interface ObservedMark extends PullRequestRef {
  /** The highest sequence number among the deliveries that named the PR; undefined when none had one. */
  through: number | undefined;
  /** [sha, highest sequence number] of each commit that led to the PR. */
  commits: Array<[string, number]>;
  /** How many deliveries asked for this observation. */
  deliveries: number;
}

/** PRs whose observation has waited longer than the observer's stuckAfterMs (GitHub slow, paced or failing). */
export interface StuckReport {
  count: number;
  /** The PR that has waited longest, and for how long. */
  oldest?: { pr: string; waitedMs: number } | undefined;
}

/**
 * The snapshot functions the observer uses, injected so the coalescing logic is tested apart from
 * GitHub's shapes (src/app.ts passes the real ones from src/github and src/signals).
 */
export interface SnapshotFunctions<S> {
  /** `null`: GitHub has no such PR or refused it alone (`onDropped` says why); it is not asked again. */
  fetch(graphql: GraphqlFn, targets: PullRequestRef[], onDropped?: (key: string, reason: string) => void): Promise<Map<string, S | null>>;
  /** Whether GitHub has not finished computing mergeability (it does so in the background). */
  isMergeableUnknown(snapshot: S): boolean;
  toPoint(snapshot: S, now: Date, ctx: { trigger: string; deliveryId?: string | undefined; conflictAttempts: number; reviewFixAttempts: number }): Point;
}

export interface ObserverOptions<S> {
  snapshots: SnapshotFunctions<S>;
  /** Where points go (the journal first). */
  write(points: Point[]): Promise<void>;
  attempts: AttemptSource;
  log: Logger;
  /** Coalescing window: events for one PR within it make one snapshot and one observation. */
  debounceMs: number;
  /** Extra fetches while mergeability is UNKNOWN, waiting backoffMs, 2x, 3x... between them. */
  mergeableRetries: number;
  mergeableBackoffMs: number;
  /** PRs of one installation fetched in one aliased query at most. */
  batchSize?: number;
  /** Tries after a failed fetch or write before the observation is given up (logged). */
  errorRetries?: number;
  errorBackoffMs?: number;
  /** Called with what each written observation covered (see ObservedMark). */
  onObserved?: (marks: ObservedMark[]) => void;
  /** A PR whose observation has waited longer than this is logged once (a warning) and reported by stuck(). Default 120 s. */
  stuckAfterMs?: number;
  /** Hears of each observation written: how long since its window's first request, and how many deliveries it covered (/metrics). */
  onWritten?: ((waitedMs: number, deliveries: number) => void) | undefined;
  clock?: () => number;
}

/** A PR's waiting observation: its size does not depend on how many deliveries asked for it. */
interface Entry extends PullRequestRef {
  key: string;
  /** The newest request's trigger and delivery id (what the point records). */
  trigger: string;
  deliveryId: string | undefined;
  deliveries: number;
  through: number | undefined;
  /** sha → highest sequence number; as many as commits, not deliveries. */
  commits: Map<string, number>;
  installationId: number | undefined;
  graphql: GraphqlFn;
  due: number;
  failures: number;
  /** When the first request of this window arrived. */
  since: number;
}

/** Since when a PR has had an observation pending without one written (one episode). */
interface Episode {
  since: number;
  warned: boolean;
}

/** "owner/repo#123" */
export function prKey(ref: PullRequestRef): string {
  return `${ref.owner}/${ref.repo}#${ref.number}`;
}

/**
 * Turns a stream of "observe this PR" requests into few GitHub requests and one observation per
 * PR per window. A PR's window opens at its first request and closes debounceMs later (a fixed
 * window, not a sliding one, so a steady stream of events cannot postpone the observation
 * forever). PRs of one installation that fall due together are fetched in one aliased query.
 * A request that arrives while its PR is being fetched opens a new window, fetched once the
 * fetch in flight is done: at most one fetch per PR at a time, so when GitHub falls behind
 * (Probot paces GraphQL to one request a second per installation) a PR holds one waiting entry
 * and one in flight, never a queue.
 */
export class Observer<S> {
  #o: Required<Omit<ObserverOptions<S>, "onObserved" | "onWritten">> & Pick<ObserverOptions<S>, "onObserved" | "onWritten">;
  #waiting = new Map<string, Entry>();
  /** PR keys being fetched or written. */
  #fetching = new Set<string>();
  #episodes = new Map<string, Episode>();
  #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #stopped = false;
  #written = 0;
  #failed = 0;

  constructor(options: ObserverOptions<S>) {
    this.#o = { batchSize: 20, errorRetries: 3, errorBackoffMs: 5000, stuckAfterMs: 120_000, clock: Date.now, ...options };
  }

  /** PRs waiting for their window to close or being fetched. */
  get pending(): number {
    let n = this.#fetching.size;
    for (const key of this.#waiting.keys()) if (!this.#fetching.has(key)) n++;
    return n;
  }

  get observationsWritten(): number {
    return this.#written;
  }

  /** Observations given up after their retries (each logged with the PR, its newest delivery id and how many deliveries asked). */
  get observationsFailed(): number {
    return this.#failed;
  }

  /**
   * PRs whose observation has waited longer than stuckAfterMs, and the longest wait. Logs a
   * warning for each PR the first time it is found waiting that long in an episode (from its first
   * request until an observation of it is written or given up). Called by a timer and by /health.
   */
  stuck(): StuckReport {
    const now = this.#o.clock();
    let count = 0;
    let oldest: StuckReport["oldest"];
    for (const [pr, episode] of this.#episodes) {
      const waitedMs = now - episode.since;
      if (waitedMs <= this.#o.stuckAfterMs) continue;
      count++;
      if (!oldest || waitedMs > oldest.waitedMs) oldest = { pr, waitedMs };
      if (!episode.warned) {
        episode.warned = true;
        const entry = this.#waiting.get(pr);
        this.#o.log.warn(
          { pr, waitedSeconds: Math.round(waitedMs / 1000), deliveries: entry?.deliveries, fetching: this.#fetching.has(pr) },
          `observation of ${pr} has waited ${Math.round(waitedMs / 1000)} s for GitHub (slow, rate-limited or failing); it is recorded once GitHub answers`,
        );
      }
    }
    return { count, oldest };
  }

  /** Asks for an observation of the PR within the coalescing window. Never throws, never waits. */
  observe(request: ObserveRequest): void {
    const key = prKey(request);
    if (this.#stopped) {
      this.#o.log.warn({ pr: key, delivery: request.deliveryId }, "observer is stopping; request not taken");
      return;
    }
    if (!this.#episodes.has(key)) this.#episodes.set(key, { since: this.#o.clock(), warned: false });
    this.#startStuckTimer();
    const existing = this.#waiting.get(key);
    if (existing) {
      existing.trigger = request.trigger;
      if (request.deliveryId !== undefined) existing.deliveryId = request.deliveryId;
      existing.deliveries += request.deliveries ?? 1;
      existing.through = maxSeq(existing.through, request.seq);
      if (request.commit !== undefined && request.seq !== undefined) existing.commits.set(request.commit, Math.max(existing.commits.get(request.commit) ?? -Infinity, request.seq));
      existing.graphql = request.graphql;
      return;
    }
    const entry: Entry = {
      owner: request.owner,
      repo: request.repo,
      number: request.number,
      key,
      trigger: request.trigger,
      deliveryId: request.deliveryId,
      deliveries: request.deliveries ?? 1,
      through: request.seq,
      commits: new Map(request.commit !== undefined && request.seq !== undefined ? [[request.commit, request.seq]] : []),
      installationId: request.installationId,
      graphql: request.graphql,
      due: this.#o.clock() + this.#o.debounceMs,
      failures: 0,
      since: this.#o.clock(),
    };
    this.#waiting.set(key, entry);
    this.#arm(entry.due);
  }

  /**
   * Fetches everything waiting now (skipping the rest of its window) and waits for all work in
   * flight, up to timeoutMs. Resolves with the number of PRs still pending.
   */
  async drain(timeoutMs: number): Promise<number> {
    const deadline = this.#o.clock() + timeoutMs;
    for (const entry of this.#waiting.values()) entry.due = Math.min(entry.due, this.#o.clock());
    this.#fire();
    while (this.pending > 0 && this.#o.clock() < deadline) {
      const left = deadline - this.#o.clock();
      await Promise.race([Promise.allSettled([...this.#inflight]), sleep(Math.min(left, 50))]);
      if (this.#waiting.size > 0) {
        for (const entry of this.#waiting.values()) entry.due = Math.min(entry.due, this.#o.clock());
        this.#fire();
      }
    }
    return this.pending;
  }

  /** Stops taking requests and drains. */
  async stop(timeoutMs: number): Promise<number> {
    const left = await this.drain(timeoutMs);
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#stuckTimer) clearInterval(this.#stuckTimer);
    return left;
  }

  #stuckTimer: NodeJS.Timeout | undefined;

  /** Checks for stuck observations every quarter of stuckAfterMs (at most every 15 s), so a stuck PR is logged even if nobody asks /health. */
  #startStuckTimer(): void {
    if (this.#stuckTimer || this.#stopped) return;
    this.#stuckTimer = setInterval(() => this.stuck(), Math.max(1000, Math.min(15_000, this.#o.stuckAfterMs / 4)));
    this.#stuckTimer.unref();
  }

  /** Ends a PR's episode once nothing is pending for it; a request that arrived meanwhile starts the next one. */
  #settled(key: string): void {
    const episode = this.#episodes.get(key);
    const waiting = this.#waiting.get(key);
    if (waiting) {
      this.#episodes.set(key, { since: waiting.since, warned: false });
    } else {
      this.#episodes.delete(key);
    }
    if (episode?.warned) this.#o.log.info({ pr: key, waitedSeconds: Math.round((this.#o.clock() - episode.since) / 1000) }, `observation of ${key} is no longer waiting`);
  }

  #arm(at: number): void {
    if (at >= this.#timerAt && this.#timer) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#fire();
    }, Math.max(0, at - this.#o.clock()));
  }

  #fire(): void {
    const now = this.#o.clock();
    // PRs due within a short slack of now go in the same batch: one aliased query for many PRs.
    const slack = Math.min(250, this.#o.debounceMs / 4);
    const due: Entry[] = [];
    let next = Infinity;
    for (const entry of this.#waiting.values()) {
      // A PR being fetched waits for that fetch (#process fires again when it ends).
      if (this.#fetching.has(entry.key)) continue;
      if (entry.due <= now + slack) due.push(entry);
      else next = Math.min(next, entry.due);
    }
    for (const entry of due) this.#fetching.add(entry.key);
    for (const entry of due) this.#waiting.delete(entry.key);
    if (next !== Infinity) this.#arm(next);
    const groups = new Map<string, Entry[]>();
    for (const entry of due) {
      const group = String(entry.installationId ?? "none");
      const list = groups.get(group) ?? [];
      list.push(entry);
      groups.set(group, list);
    }
    for (const list of groups.values()) {
      for (let i = 0; i < list.length; i += this.#o.batchSize) {
        const batch = list.slice(i, i + this.#o.batchSize);
        this.#track(
          this.#process(batch),
          batch.map((e) => e.key),
        );
      }
    }
  }

  #track(work: Promise<void>, keys: string[]): void {
    const tracked = work
      .catch((err: Error) => this.#o.log.error({ err }, "observer bug: unexpected failure"))
      .finally(() => {
        this.#inflight.delete(tracked);
        for (const key of keys) this.#fetching.delete(key);
        // Windows that closed while their PR was being fetched are due now.
        let next = Infinity;
        for (const key of keys) {
          const waiting = this.#waiting.get(key);
          if (waiting) next = Math.min(next, waiting.due);
        }
        if (next !== Infinity) this.#arm(Math.max(next, this.#o.clock()));
      });
    this.#inflight.add(tracked);
  }

  async #process(entries: Entry[]): Promise<void> {
    const graphql = entries[entries.length - 1]!.graphql;
    let snapshots: Map<string, S | null>;
    const dropped = new Map<string, string>();
    try {
      snapshots = await this.#o.snapshots.fetch(graphql, entries, (key, reason) => dropped.set(key, reason));
      for (let tries = 1; tries <= this.#o.mergeableRetries; tries++) {
        const unknown = entries.filter((e) => {
          const s = snapshots.get(e.key);
          return s !== null && s !== undefined && this.#o.snapshots.isMergeableUnknown(s);
        });
        if (unknown.length === 0) break;
        await sleep(this.#o.mergeableBackoffMs * tries);
        const again = await this.#o.snapshots.fetch(graphql, unknown);
        for (const [key, value] of again) if (value) snapshots.set(key, value);
      }
    } catch (err) {
      this.#retryLater(entries, err as Error, "could not fetch the pull request from GitHub");
      return;
    }
    const now = new Date(this.#o.clock());
    const points: Point[] = [];
    const covered: Entry[] = [];
    const gone: Entry[] = [];
    for (const entry of entries) {
      const snapshot = snapshots.get(entry.key);
      if (!snapshot) {
        const reason = dropped.get(entry.key) ?? "not found (deleted, or the app lost access)";
        this.#o.log.warn({ pr: entry.key, delivery: entry.deliveryId, deliveries: entry.deliveries, reason }, `GitHub refused pull request ${entry.key}, also when asked alone: ${reason}; nothing recorded`);
        // Done: asking again after a restart would only get the same answer, forever.
        this.#settled(entry.key);
        gone.push(entry);
        continue;
      }
      try {
        const attempts = await this.#o.attempts.get(`${entry.owner}/${entry.repo}`, entry.number);
        points.push(
          this.#o.snapshots.toPoint(snapshot, now, {
            trigger: entry.trigger,
            deliveryId: entry.deliveryId,
            ...attempts,
          }),
        );
        covered.push(entry);
      } catch (err) {
        this.#retryLater([entry], err as Error, "could not build the observation");
      }
    }
    if (gone.length) this.#o.onObserved?.(gone.map(markOf));
    try {
      await this.#o.write(points);
    } catch (err) {
      this.#retryLater(covered, err as Error, "could not write the observation");
      return;
    }
    this.#written += points.length;
    if (this.#o.onWritten) {
      const now = this.#o.clock();
      for (const entry of covered) this.#o.onWritten(now - entry.since, entry.deliveries);
    }
    for (const entry of covered) this.#settled(entry.key);
    if (covered.length) {
      this.#o.onObserved?.(covered.map(markOf));
    }
  }

  #retryLater(entries: Entry[], err: Error, what: string): void {
    for (const entry of entries) {
      entry.failures += 1;
      const context = { pr: entry.key, delivery: entry.deliveryId, deliveries: entry.deliveries, err: { message: err.message, name: err.name } };
      if (entry.failures > this.#o.errorRetries || this.#stopped) {
        this.#failed += 1;
        this.#o.log.error(context, `${what}; giving up after ${entry.failures} tries (the next event or sweep records it)`);
        this.#settled(entry.key);
        continue;
      }
      this.#o.log.warn(context, `${what}; trying again`);
      const waiting = this.#waiting.get(entry.key);
      if (waiting) {
        // A newer window is open: it takes over what this one covered (its own trigger is newer).
        waiting.deliveries += entry.deliveries;
        waiting.through = maxSeq(waiting.through, entry.through);
        for (const [sha, seq] of entry.commits) waiting.commits.set(sha, Math.max(waiting.commits.get(sha) ?? -Infinity, seq));
        continue;
      }
      entry.due = this.#o.clock() + this.#o.errorBackoffMs * entry.failures;
      this.#waiting.set(entry.key, entry);
      this.#arm(entry.due);
    }
  }
}

function maxSeq(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What an entry covered, for the delivery log: its PR and the newest delivery sequence numbers. */
function markOf(e: Entry): ObservedMark {
  return { owner: e.owner, repo: e.repo, number: e.number, through: e.through, commits: [...e.commits], deliveries: e.deliveries };
}

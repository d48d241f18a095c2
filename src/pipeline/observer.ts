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
  /** Requests of one installation are fetched together in one aliased query. */
  installationId: number | undefined;
  graphql: GraphqlFn;
  log: Logger;
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
  /** Called with the delivery ids an observation covered, once its point is written (or GitHub refused its PR for good). */
  onObserved?: (deliveryIds: string[]) => void;
  clock?: () => number;
}

interface Entry extends PullRequestRef {
  key: string;
  trigger: string;
  deliveryIds: string[];
  installationId: number | undefined;
  graphql: GraphqlFn;
  log: Logger;
  due: number;
  failures: number;
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
 * A request that arrives while its PR is being fetched opens a new window.
 */
export class Observer<S> {
  #o: Required<Omit<ObserverOptions<S>, "onObserved">> & Pick<ObserverOptions<S>, "onObserved">;
  #waiting = new Map<string, Entry>();
  #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #stopped = false;
  #written = 0;
  #failed = 0;

  constructor(options: ObserverOptions<S>) {
    this.#o = { batchSize: 20, errorRetries: 3, errorBackoffMs: 5000, clock: Date.now, ...options };
  }

  /** PRs waiting for their window to close or being fetched. */
  get pending(): number {
    return this.#waiting.size + this.#inflight.size;
  }

  get observationsWritten(): number {
    return this.#written;
  }

  /** Observations given up after their retries (each logged with PR and delivery ids). */
  get observationsFailed(): number {
    return this.#failed;
  }

  /** Asks for an observation of the PR within the coalescing window. Never throws, never waits. */
  observe(request: ObserveRequest): void {
    if (this.#stopped) {
      request.log.warn({ pr: prKey(request), delivery: request.deliveryId }, "observer is stopping; request not taken");
      return;
    }
    const key = prKey(request);
    const existing = this.#waiting.get(key);
    if (existing) {
      existing.trigger = request.trigger;
      if (request.deliveryId) existing.deliveryIds.push(request.deliveryId);
      existing.graphql = request.graphql;
      existing.log = request.log;
      return;
    }
    const entry: Entry = {
      owner: request.owner,
      repo: request.repo,
      number: request.number,
      key,
      trigger: request.trigger,
      deliveryIds: request.deliveryId ? [request.deliveryId] : [],
      installationId: request.installationId,
      graphql: request.graphql,
      log: request.log,
      due: this.#o.clock() + this.#o.debounceMs,
      failures: 0,
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
    return left;
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
      if (entry.due <= now + slack) due.push(entry);
      else next = Math.min(next, entry.due);
    }
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
        this.#track(this.#process(list.slice(i, i + this.#o.batchSize)));
      }
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((err: Error) => this.#o.log.error({ err }, "observer bug: unexpected failure")).finally(() => this.#inflight.delete(tracked));
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
    const gone: string[] = [];
    for (const entry of entries) {
      const snapshot = snapshots.get(entry.key);
      if (!snapshot) {
        const reason = dropped.get(entry.key) ?? "not found (deleted, or the app lost access)";
        entry.log.warn({ pr: entry.key, deliveries: entry.deliveryIds, reason }, `GitHub refused pull request ${entry.key}, also when asked alone: ${reason}; nothing recorded`);
        // Done: asking again after a restart would only get the same answer, forever.
        gone.push(...entry.deliveryIds);
        continue;
      }
      try {
        const attempts = await this.#o.attempts.get(`${entry.owner}/${entry.repo}`, entry.number);
        points.push(
          this.#o.snapshots.toPoint(snapshot, now, {
            trigger: entry.trigger,
            deliveryId: entry.deliveryIds[entry.deliveryIds.length - 1],
            ...attempts,
          }),
        );
        covered.push(entry);
      } catch (err) {
        this.#retryLater([entry], err as Error, "could not build the observation");
      }
    }
    if (gone.length) this.#o.onObserved?.(gone);
    try {
      await this.#o.write(points);
    } catch (err) {
      this.#retryLater(covered, err as Error, "could not write the observation");
      return;
    }
    this.#written += points.length;
    const ids = covered.flatMap((e) => e.deliveryIds);
    if (ids.length) this.#o.onObserved?.(ids);
  }

  #retryLater(entries: Entry[], err: Error, what: string): void {
    for (const entry of entries) {
      entry.failures += 1;
      const context = { pr: entry.key, deliveries: entry.deliveryIds, err: { message: err.message, name: err.name } };
      if (entry.failures > this.#o.errorRetries || this.#stopped) {
        this.#failed += 1;
        entry.log.error(context, `${what}; giving up after ${entry.failures} tries (the next event or sweep records it)`);
        continue;
      }
      entry.log.warn(context, `${what}; trying again`);
      const waiting = this.#waiting.get(entry.key);
      if (waiting) {
        waiting.deliveryIds.unshift(...entry.deliveryIds);
        continue;
      }
      entry.due = this.#o.clock() + this.#o.errorBackoffMs * entry.failures;
      this.#waiting.set(entry.key, entry);
      this.#arm(entry.due);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

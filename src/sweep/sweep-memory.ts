import type { TelemetryStore } from "../store/open-store.js";
import type { Point } from "../store/point.js";
import { foldPoint, indexStore, type StoreIndex } from "./store-index.js";

const DAY_MS = 86_400_000;

/**
 * How far before the last read a refresh reads again: points are stamped with the time they
 * describe, not the time they were written, and an outcome (stamped with GitHub's close time)
 * can reach the store minutes after it (debounce, retries, a slow InfluxDB forward).
 */
export const LATE_WRITE_MS = 60 * 60_000;

/** Measurements the sweep folds. */
const MEASUREMENTS = ["pr_observation", "outcome"];

/**
 * What the sweep knows from the store, kept between sweeps. The first refresh reads the whole
 * lookback window; later ones read only what came since the previous read (less LATE_WRITE_MS),
 * so a scheduler sweeping every 15 minutes does not re-read days of points each time. Points
 * the sweep writes itself are folded in directly. Pull requests last seen before the lookback
 * are forgotten, so the memory stays the size of the active pull requests.
 */
export class SweepMemory {
  readonly index: StoreIndex = new Map();
  #readUntil: Date | undefined;
  #seeding: Promise<unknown> | undefined;

  constructor(
    /** How far back the first read goes: a close is filled if the PR was observed open this recently. */
    readonly lookbackDays = 7,
    /** Repository keys (lower-case owner/name) to keep; all when undefined. */
    private readonly only?: Set<string>,
  ) {}

  /** Folds in what the store gained since the last refresh; returns the index. */
  async refresh(store: Pick<TelemetryStore, "read">, now: Date): Promise<StoreIndex> {
    if (this.#seeding) await this.#seeding;
    const since = this.#readUntil
      ? new Date(this.#readUntil.getTime() - LATE_WRITE_MS)
      : new Date(now.getTime() - this.lookbackDays * DAY_MS);
    await indexStore(store.read({ since, measurements: MEASUREMENTS }), this.only, this.index);
    this.#readUntil = now;
    this.#forget(new Date(now.getTime() - this.lookbackDays * DAY_MS));
    return this.index;
  }

  /**
   * Starts from an index built elsewhere (the app's start-up pass over the journal) of the
   * points up to `readUntil`: the first refresh then reads only what came after (less LATE_WRITE_MS).
   */
  seed(index: StoreIndex, readUntil: Date): void {
    for (const [key, repo] of index) if (!this.only || this.only.has(key)) this.index.set(key, repo);
    this.#readUntil = readUntil;
    this.#forget(new Date(readUntil.getTime() - this.lookbackDays * DAY_MS));
  }

  /** Makes the first refresh wait for a seed on its way (the start-up pass); a failed one seeds nothing. */
  waitFor(seeding: Promise<unknown>): void {
    this.#seeding = seeding.catch(() => undefined);
  }

  /** Folds points the sweep has just written. */
  record(points: Point[]): void {
    for (const point of points) foldPoint(this.index, point);
  }

  #forget(cutoff: Date): void {
    for (const repo of this.index.values()) {
      for (const [number, pr] of repo.prs) {
        const newest = Math.max(pr.observedAt?.getTime() ?? 0, pr.outcomeAt?.getTime() ?? 0);
        if (newest < cutoff.getTime()) repo.prs.delete(number);
      }
    }
  }
}

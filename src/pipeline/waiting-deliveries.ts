import type { Logger } from "probot";
import type { DeliveryRecord } from "./delivery-log.js";
import type { StuckReport } from "./observer.js";

/** What the deliveries merged under one PR or one commit ask for: as much as one delivery does. */
export interface MergedDeliveries {
  /** The newest delivery's trigger and id (what the observation records). */
  trigger: string;
  deliveryId: string;
  /** The highest sequence number: the delivery log's watermark covers every delivery up to it. */
  seq: number | undefined;
  /** How many deliveries were merged. */
  deliveries: number;
}

/** The deliveries of one repository waiting for the same thing, merged per PR and per commit. */
export interface WaitingGroup {
  owner: string;
  repo: string;
  installationId: number | undefined;
  prs: Map<number, MergedDeliveries>;
  shas: Map<string, MergedDeliveries>;
}

/**
 * Deliveries that wait for something shared before they can reach the observer (their
 * repository's config, the PRs of their commit), merged per key: a group holds one entry per PR
 * and per commit, not one per delivery, so a storm during a slow config read or commit look-up
 * (a rate limit can hold them for minutes) does not grow memory with the deliveries. The first
 * delivery of a group starts the work that will take() it; later ones only merge into it.
 */
export class WaitingDeliveries {
  #groups = new Map<string, WaitingGroup>();
  /** When each group started waiting, and whether that was logged (apart from the group, which is what the work takes). */
  #since = new Map<string, { at: number; warned: boolean }>();
  #timer: NodeJS.Timeout | undefined;
  #log: Logger | undefined;
  #stuckAfterMs: number;
  #clock: () => number;

  /** `log` and `stuckAfterMs` (default 120 s): a group waiting longer is logged once and reported by stuck(). */
  constructor(options: { log?: Logger; stuckAfterMs?: number; clock?: () => number } = {}) {
    this.#log = options.log;
    this.#stuckAfterMs = options.stuckAfterMs ?? 120_000;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * The PRs and commits whose deliveries have waited longer than stuckAfterMs for their config
   * read or commit look-up, and the longest wait; logs a warning once per group.
   */
  stuck(): StuckReport {
    const now = this.#clock();
    let count = 0;
    let oldest: StuckReport["oldest"];
    for (const [key, since] of this.#since) {
      const group = this.#groups.get(key);
      const waitedMs = now - since.at;
      if (!group || waitedMs <= this.#stuckAfterMs) continue;
      const labels = [...[...group.prs.keys()].map((n) => `${group.owner}/${group.repo}#${n}`), ...[...group.shas.keys()].map((sha) => `${group.owner}/${group.repo}@${sha.slice(0, 7)}`)];
      count += labels.length;
      if (!oldest || waitedMs > oldest.waitedMs) oldest = { pr: labels[0]!, waitedMs };
      if (!since.warned) {
        since.warned = true;
        this.#log?.warn(
          { waiting: labels.slice(0, 20), more: Math.max(0, labels.length - 20), waitedSeconds: Math.round(waitedMs / 1000) },
          `deliveries for ${labels[0]}${labels.length > 1 ? ` and ${labels.length - 1} more` : ""} have waited ${Math.round(waitedMs / 1000)} s for GitHub (${key.startsWith("config ") ? "the repository's config" : "the PRs of a commit"}); they are observed once GitHub answers`,
        );
      }
    }
    return { count, oldest };
  }

  /** Stops the periodic check (at shutdown). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Groups waiting now (one per key). */
  get size(): number {
    return this.#groups.size;
  }

  /**
   * Merges what a delivery asks for (its PRs, or its commit) into the key's group. Returns true
   * when it made a new group: the caller then starts the work that will take() it.
   */
  add(key: string, record: DeliveryRecord): boolean {
    const merged = { trigger: record.trigger, deliveryId: record.id, seq: record.seq, deliveries: 1 };
    if (record.prs.length > 0) return this.merge(key, record, record.prs.map((n) => ({ pr: n, merged })));
    return record.sha === undefined ? false : this.merge(key, record, [{ sha: record.sha, merged }]);
  }

  /** Merges already merged deliveries (of a group taken from an earlier stage) into the key's group; true when it made a new group. */
  merge(key: string, base: Pick<WaitingGroup, "owner" | "repo" | "installationId">, items: Array<({ pr: number } | { sha: string }) & { merged: MergedDeliveries }>): boolean {
    let group = this.#groups.get(key);
    const created = !group;
    if (!group) {
      group = { owner: base.owner, repo: base.repo, installationId: base.installationId, prs: new Map(), shas: new Map() };
      this.#groups.set(key, group);
      this.#since.set(key, { at: this.#clock(), warned: false });
      if (!this.#timer && this.#log) {
        this.#timer = setInterval(() => this.stuck(), Math.max(1000, Math.min(15_000, this.#stuckAfterMs / 4)));
        this.#timer.unref();
      }
    }
    for (const item of items) {
      if ("pr" in item) combine(group.prs, item.pr, item.merged);
      else combine(group.shas, item.sha, item.merged);
    }
    return created;
  }

  /** Removes and returns the key's group: deliveries added after this start a new one. */
  take(key: string): WaitingGroup | undefined {
    const group = this.#groups.get(key);
    this.#groups.delete(key);
    this.#since.delete(key);
    return group;
  }
}

/** Later deliveries win the trigger and id; the watermark is the highest number; counts add up. */
function combine<K>(map: Map<K, MergedDeliveries>, key: K, next: MergedDeliveries): void {
  const seen = map.get(key);
  if (!seen) {
    map.set(key, { ...next });
    return;
  }
  seen.trigger = next.trigger;
  seen.deliveryId = next.deliveryId;
  seen.seq = seen.seq === undefined ? next.seq : next.seq === undefined ? seen.seq : Math.max(seen.seq, next.seq);
  seen.deliveries += next.deliveries;
}

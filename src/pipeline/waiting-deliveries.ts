import type { DeliveryRecord } from "./delivery-log.js";

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

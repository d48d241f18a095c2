import type { Logger } from "probot";
import type { SharedRedis } from "./open-redis.js";

/**
 * What a replica may do with a delivery id: record it ("mine"; "unavailable": Redis is away,
 * record it on this replica's own dedup), leave it ("taken": another replica recorded it), or
 * fail it ("busy": another replica has been recording it for too long, perhaps killed before it
 * wrote it down; answering 2xx would lose it, so the delivery fails and can be redelivered).
 */
export type DeliveryClaim = "mine" | "taken" | "busy" | "unavailable";

/** How long a finished delivery's key is kept: a redelivery later than this is caught only by the replica's own journal. */
export const DONE_TTL_SECONDS = 24 * 3600;
/** How long a delivery being recorded blocks others: a replica killed mid-delivery holds it no longer. */
export const PENDING_TTL_SECONDS = 30;
/** How long a replica waits for another one that is recording the same delivery (Probot answers within ~9 s). */
const WAIT_FOR_PENDING_MS = 5000;

const key = (id: string) => `pr-telemetry:delivery:${id}`;

/**
 * Delivery dedup across replicas: a short-lived key per X-GitHub-Delivery id (SET NX EX). The
 * first replica to claim an id records the delivery; the key says "pending" until its handlers
 * have recorded it (then "done", kept DONE_TTL_SECONDS), and is deleted when they fail, so a
 * redelivery of a failed delivery is recorded. A replica that finds "pending" waits for the
 * outcome: two copies sent at once are recorded once (and after WAIT_FOR_PENDING_MS says "busy").
 * Without Redis (an outage) every claim is
 * "unavailable": the replica records, and its own journal-based dedup is all there is.
 */
export class SharedDeliveries {
  constructor(
    private readonly redis: SharedRedis,
    private readonly log: Logger,
    private readonly replicaId: string,
  ) {}

  /** Claims the delivery for this replica, or says another has it (waiting while it is being recorded). */
  async claim(id: string): Promise<DeliveryClaim> {
    const deadline = Date.now() + WAIT_FOR_PENDING_MS;
    for (;;) {
      if (!this.redis.ready) return "unavailable";
      let state: string | null;
      try {
        const set = await this.redis.client.set(key(id), `pending ${this.replicaId}`, "EX", PENDING_TTL_SECONDS, "NX");
        if (set === "OK") return "mine";
        state = await this.redis.client.get(key(id));
      } catch {
        return "unavailable";
      }
      if (state === null) continue; // it expired or was released between the two commands: claim again
      if (state.startsWith("done")) return "taken";
      if (Date.now() > deadline) return "busy";
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** After the handlers ran: "done" when the delivery is recorded, released when it failed (so a redelivery records it). */
  async settle(id: string, recorded: boolean): Promise<void> {
    try {
      if (recorded) await this.redis.client.set(key(id), `done ${this.replicaId}`, "EX", DONE_TTL_SECONDS);
      else await this.redis.client.del(key(id));
    } catch (err) {
      // Redis went away meanwhile: the pending key expires on its own; the outage is logged by openRedis.
      this.log.debug({ delivery: id, err: (err as Error).message }, "could not settle the delivery's dedup key");
    }
  }
}

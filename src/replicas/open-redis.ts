import { Redis } from "ioredis";
import type { Logger } from "probot";

/** The app's own connection to the replicas' shared Redis (REDIS_URL), and whether it is up. */
export interface SharedRedis {
  client: Redis;
  /** False while the connection is down: callers fall back to what one replica can do alone. */
  readonly ready: boolean;
  /** PING within a second: for /health. */
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Connects to REDIS_URL for the delivery dedup and the sweep lock (Probot keeps its own
 * connection for the throttle). Commands fail at once while Redis is away (no offline queue, one
 * attempt, a 1 s timeout) so a webhook is never held waiting on Redis; the client reconnects on
 * its own, and the outage and the recovery are each logged once.
 */
export function openRedis(url: string, log: Logger): SharedRedis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    // Keep trying, at most every 2 s: Redis coming back must be noticed without a restart.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let ready = false;
  let down = false;
  client.on("ready", () => {
    ready = true;
    if (down) log.info("Redis is reachable again: delivery dedup and the sweep lock are shared by the replicas again");
    down = false;
  });
  const lost = (reason: string) => {
    ready = false;
    if (down) return;
    down = true;
    log.warn({ reason }, "Redis is unreachable: capture goes on, deliveries are deduplicated per replica (a redelivery to another replica may be recorded twice) and each replica may sweep, until it is back");
  };
  client.on("error", (err: Error) => lost(err.message));
  client.on("close", () => {
    if (ready) lost("connection closed");
  });
  return {
    client,
    get ready() {
      return ready;
    },
    async reachable() {
      if (!ready) return false;
      try {
        return (await client.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      client.disconnect();
    },
  };
}

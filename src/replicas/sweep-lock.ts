import type { SharedRedis } from "./open-redis.js";

const KEY = "pr-telemetry:sweep";

/**
 * One sweep per interval across replicas: a replica sweeps only if it sets the lock, which is
 * never released but expires after `holdMs` (the interval less its jitter), so a replica that
 * dies while sweeping does not stop the next interval's sweep. While Redis is away every replica
 * may sweep, as without Redis: at worst a PR is observed twice, or a missed outcome is filled by two.
 */
export function sweepLock(redis: SharedRedis, replicaId: string): (holdMs: number) => Promise<boolean> {
  return async (holdMs) => {
    if (!redis.ready) return true;
    try {
      return (await redis.client.set(KEY, `${replicaId} ${new Date().toISOString()}`, "PX", Math.max(1, Math.round(holdMs)), "NX")) === "OK";
    } catch {
      return true;
    }
  };
}

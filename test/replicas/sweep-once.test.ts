import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { startReplicas, type Replicas } from "./replicas-harness.js";

// One sweep per interval across replicas: two app processes sharing a real redis-server, both
// due to sweep one second after start (SWEEP_FIRST_DELAY_SECONDS=1). One takes the Redis lock
// and sweeps; the other says so and skips. Without REDIS_URL both sweep (the control below),
// which is what the test would see if the lock did nothing. The lock's expiry (a replica that
// dies holding it does not stop the next interval's sweep) is tested against the real Redis in
// shared-redis.test.ts: an interval is at least a minute, too long for this suite.

const SWEPT = '"msg":"sweep done"';
const SKIPPED = "another replica sweeps in this interval";

async function sweepsOf(r: Replicas): Promise<{ swept: number; skipped: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const swept = r.apps.filter((a) => a.output.some((l) => l.includes(SWEPT))).length;
    const skipped = r.apps.filter((a) => a.output.some((l) => l.includes(SKIPPED))).length;
    if (swept + skipped >= r.apps.length || Date.now() > deadline) return { swept, skipped };
    await sleep(200);
  }
}

describe("the in-process sweep across replicas", () => {
  let r: Replicas | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });
  const env = { SWEEP_INTERVAL_MINUTES: "1", SWEEP_FIRST_DELAY_SECONDS: "1", LOG_LEVEL: "info" };

  it("with REDIS_URL: one replica sweeps in the interval, the other skips it", async () => {
    r = await startReplicas({ count: 2, env });
    const seen = await sweepsOf(r);
    expect(seen).toEqual({ swept: 1, skipped: 1 });
    // Still one in the interval a little later (the skipped one does not try again before the next).
    await sleep(1500);
    expect(r.apps.filter((a) => a.output.some((l) => l.includes(SWEPT))).length).toBe(1);
  });

  it("without REDIS_URL (the control): each replica sweeps on its own", async () => {
    r = await startReplicas({ count: 2, env, redis: false });
    expect(await sweepsOf(r)).toEqual({ swept: 2, skipped: 0 });
  });
});

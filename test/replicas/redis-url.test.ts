import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startE2e, type E2e } from "../e2e/e2e-harness.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";

// Probot's documented way to share its throttle between processes is REDIS_URL; Probot loads
// ioredis on demand, so without the package installed the app did not start at all.
describe("REDIS_URL pointing at a real redis-server", () => {
  let redis: RedisServer;
  let e: E2e;
  beforeAll(async () => {
    redis = await startRedisServer();
    e = await startE2e({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await e?.close();
    await redis?.close();
  });

  it("starts, observes a delivery, and paces GitHub through Bottleneck's state in Redis", async () => {
    const m = e.gh.model;
    const pr = m.openPullRequest(m.addRepo("acme/redis-url"), { author: "dev" });
    await e.deliver(e.payloads.pullRequest(pr, "opened"));
    await e.waitForTruth(pr);
    // Bottleneck's clustering keeps each limiter's state under b_<id>_* keys.
    const keys = (await redis.command("KEYS", "b_*")) as string[];
    expect(keys.some((k) => k.includes("octokit-write"))).toBe(true);
  });
});

import { generateKeyPairSync } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openRedis, type SharedRedis } from "../../src/replicas/open-redis.js";
import { DONE_TTL_SECONDS, SharedDeliveries } from "../../src/replicas/shared-deliveries.js";
import { sweepLock } from "../../src/replicas/sweep-lock.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { recordingLog, silentLog } from "../helpers/silent-log.js";

/** Waits until `check()` holds (Redis reconnects on its own schedule). */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(50);
  }
}

describe("what replicas share through a real redis-server", () => {
  let server: RedisServer;
  const opened: SharedRedis[] = [];
  const open = async (log = silentLog()) => {
    const redis = openRedis(server.url, log);
    opened.push(redis);
    await until(() => redis.ready);
    return redis;
  };
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    for (const r of opened.splice(0)) await r.close();
    if (!(await server.command("PING").catch(() => undefined))) await server.start();
    await server.command("FLUSHALL");
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a delivery is recorded by the first replica that claims it; another replica is told it is taken", async () => {
    const a = new SharedDeliveries(await open(), silentLog(), "a");
    const b = new SharedDeliveries(await open(), silentLog(), "b");
    expect(await a.claim("d-1")).toBe("mine");
    // While a records it, b waits for the outcome, then hears it was taken.
    const bClaim = b.claim("d-1");
    await sleep(200);
    await a.settle("d-1", true);
    expect(await bClaim).toBe("taken");
    expect(await a.claim("d-1")).toBe("taken");
    const ttl = (await server.command("TTL", "pr-telemetry:delivery:d-1")) as number;
    expect(ttl).toBeGreaterThan(DONE_TTL_SECONDS - 10);
    expect(ttl).toBeLessThanOrEqual(DONE_TTL_SECONDS);
  });

  it("a delivery whose handlers failed is released: its redelivery is recorded by whichever replica gets it", async () => {
    const a = new SharedDeliveries(await open(), silentLog(), "a");
    const b = new SharedDeliveries(await open(), silentLog(), "b");
    expect(await a.claim("d-2")).toBe("mine");
    await a.settle("d-2", false);
    expect(await b.claim("d-2")).toBe("mine");
  });

  it("the same delivery sent to two replicas at once is claimed by exactly one", async () => {
    const replicas = await Promise.all(["a", "b", "c"].map(async (id) => new SharedDeliveries(await open(), silentLog(), id)));
    const claims = await Promise.all(replicas.map(async (r) => {
      const c = await r.claim("d-3");
      if (c === "mine") setTimeout(() => void r.settle("d-3", true), 100);
      return c;
    }));
    expect(claims.sort()).toEqual(["mine", "taken", "taken"]);
  });

  it("Redis going away: claims say unavailable at once (capture goes on), logged once; shared again when it is back", async () => {
    const { log, entries } = recordingLog();
    const redis = await open(log);
    const shared = new SharedDeliveries(redis, log, "a");
    await server.stop();
    await until(() => !redis.ready);
    const started = Date.now();
    expect(await shared.claim("d-4")).toBe("unavailable");
    expect(await shared.claim("d-5")).toBe("unavailable");
    expect(Date.now() - started).toBeLessThan(500);
    expect(await redis.reachable()).toBe(false);
    await sleep(2500); // several reconnect attempts
    expect(entries.filter((e) => String(e["msg"]).startsWith("Redis is unreachable"))).toHaveLength(1);
    await server.start();
    await until(() => redis.ready, 10_000);
    expect(await redis.reachable()).toBe(true);
    expect(entries.filter((e) => String(e["msg"]).startsWith("Redis is reachable again"))).toHaveLength(1);
    expect(await shared.claim("d-6")).toBe("mine");
  });

  it("the sweep lock: one replica per interval, and a holder that died does not block the next interval", async () => {
    const a = sweepLock(await open(), "a");
    const b = sweepLock(await open(), "b");
    expect(await a(400)).toBe(true);
    expect(await b(400)).toBe(false);
    expect(await a(400)).toBe(false);
    // Never released (a may have died mid-sweep): it expires with the interval.
    await sleep(450);
    expect(await b(400)).toBe(true);
    expect(await a(400)).toBe(false);
  });

  it("Probot's own REDIS_URL path (`probot run` of src/index.ts) finds ioredis: it loads it on demand, and failed without the package", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const probot = new Probot({ appId: 1, privateKey, redisConfig: server.url, log: silentLog() });
    // The app's octokit is built on first use, with Probot's throttle options: its Bottleneck connection to Redis.
    const octokit = await probot.auth();
    expect(typeof octokit.request).toBe("function");
    await until(async () => ((await server.command("CLIENT", "LIST")) as string).split("\n").filter(Boolean).length >= 3);
  });
});

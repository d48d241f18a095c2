import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../src/store/point.js";
import type { FakePullRequest, WebhookDelivery } from "../helpers/fake-github/index.js";
import { journalPoints, observationsOf } from "../helpers/journal-points.js";
import type { DeliveryResult } from "../helpers/webhook-sender.js";
import { startReplicas, type Replicas } from "./replicas-harness.js";

// Two replicas of the real app behind a round-robin proxy, sharing a real redis-server and a
// real influxd, each with its own DATA_DIR (its journal is its outbox). Starting them with
// REDIS_URL is itself a test: the app did not start at all with it while ioredis was missing.

interface Health {
  status: string;
  replica: string;
  redisReachable?: boolean;
  influxReachable?: boolean;
  pending: number;
}

const TOKEN = "replicas-actions-token";

const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Health;
const counts = (points: Point[]) => ({
  observations: points.filter((p) => p.measurement === "pr_observation").length,
  outcomes: points.filter((p) => p.measurement === "outcome").length,
  actions: points.filter((p) => p.measurement === "action_taken").length,
});

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Waits until every replica is idle (nothing pending), twice in a row. */
async function waitIdle(r: Replicas): Promise<void> {
  let idle = 0;
  await waitFor("the replicas to be idle", async () => {
    const all = await Promise.all(r.apps.map((a) => health(a.url)));
    idle = all.every((h) => h.pending === 0) ? idle + 1 : 0;
    return idle >= 2 ? true : undefined;
  });
}

const observed = (points: Point[], pr: FakePullRequest) => observationsOf(points, pr.repo.fullName, pr.number).length > 0;

describe("two replicas, one Redis, one InfluxDB", () => {
  let r: Replicas;
  beforeAll(async () => {
    // A longer coalescing window: at a kill -9, acknowledged deliveries are still waiting to be observed.
    r = await startReplicas({ count: 2, influx: true, env: { DEBOUNCE_MS: "1000", ACTIONS_API_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await r?.close();
  });

  it("/health says which replica answered, and that Redis and InfluxDB are reachable", async () => {
    const all = await Promise.all(r.apps.map((a) => health(a.url)));
    expect(all.map((h) => h.replica)).toEqual(["replica-0", "replica-1"]);
    for (const h of all) expect(h).toMatchObject({ status: "ok", redisReachable: true, influxReachable: true });
  });

  it("a redelivery that lands on another replica adds no observation, outcome or action", async () => {
    const m = r.gh.model;
    const repo = m.addRepo("acme/replicated");
    const pr = m.openPullRequest(repo, { author: "dev" });
    const opened = r.payloads.pullRequest(pr, "opened");
    expect((await r.senderTo(0).send(opened)).status).toBe(200);
    m.merge(pr);
    const closed = r.payloads.pullRequest(pr, "closed");
    expect((await r.senderTo(0).send(closed)).status).toBe(200);
    await waitFor("the observation and the outcome", async () => {
      const c = counts(await r.points());
      return c.observations >= 1 && c.outcomes === 1 ? c : undefined;
    });
    await waitIdle(r);
    const before = counts(await r.points());
    // GitHub's redelivery (same X-GitHub-Delivery) lands on the other replica.
    for (const d of [opened, closed]) expect((await r.senderTo(1).send(d)).status).toBe(200);
    await sleep(1500); // longer than DEBOUNCE_MS: anything on its way would be written by now
    await waitIdle(r);
    expect(counts(await r.points())).toEqual(before);
    // GitHub was paced through Redis: Bottleneck keeps each limiter's state under b_<id>_* keys.
    const keys = (await r.redis!.command("KEYS", "b_*")) as string[];
    expect(keys.some((k) => k.startsWith(`b_octokit-write-${repo.installationId}_`))).toBe(true);
  });

  it("attempt counters agree across replicas: an action recorded on one counts in the other's next observation (through InfluxDB)", async () => {
    const m = r.gh.model;
    const pr = m.openPullRequest(m.addRepo("acme/attempts"), { author: "jules[bot]" });
    const res = await fetch(`${r.apps[0]!.url}/api/actions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ repo: pr.repo.fullName, pr: pr.number, action: "request_review_fix", reason: "threads left" }),
    });
    expect(res.status).toBe(202);
    await waitFor("the action in InfluxDB", async () => ((await r.influx!.rows(`SELECT * FROM action_taken WHERE repo = '${pr.repo.fullName}'`)).length === 1 ? true : undefined));
    expect((await r.senderTo(1).send(r.payloads.pullRequest(pr, "opened"))).status).toBe(200);
    const obs = await waitFor("replica-1's observation", async () => {
      const points = (await journalPoints(r.apps[1]!.dataDir)).points;
      return observationsOf(points, pr.repo.fullName, pr.number)[0];
    });
    expect(obs.fields["review_fix_attempts"]).toBe(1);
  });

  it("kill -9 of a replica mid-stream: every acknowledged delivery is observed once its replacement starts on the same DATA_DIR", async () => {
    const m = r.gh.model;
    const repo = m.addRepo("acme/crashy-fleet");
    const work: Array<{ pr: FakePullRequest; d: WebhookDelivery }> = [];
    for (let i = 0; i < 30; i++) {
      const pr = m.openPullRequest(repo, { author: "dev" });
      work.push({ pr, d: r.payloads.pullRequest(pr, "opened") });
    }
    const acked: Array<{ pr: FakePullRequest; res: DeliveryResult }> = [];
    let killed: Promise<unknown> | undefined;
    let next = 0;
    const worker = async () => {
      while (next < work.length) {
        const { pr, d } = work[next++]!;
        try {
          const res = await r.sender.send(d);
          if (res.status === 200) acked.push({ pr, res });
        } catch {
          // the proxy lost the connection: not acknowledged
        }
        if (acked.length === 12 && !killed) killed = r.apps[1]!.kill9();
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    await killed;
    expect(acked.length).toBeGreaterThanOrEqual(25); // the proxy sends to the live replicas meanwhile
    await r.restart(1);
    await waitFor("every acknowledged delivery observed", async () => {
      const points = await r.points();
      return acked.every(({ pr }) => observed(points, pr)) ? true : undefined;
    });
  });

  it("Redis stopped: capture goes on (dedup per replica); Redis back: redeliveries across replicas are refused again", { timeout: 60_000 }, async () => {
    const m = r.gh.model;
    const repo = m.addRepo("acme/no-redis");
    await r.redis!.stop();
    const during = m.openPullRequest(repo, { author: "dev" });
    const d1 = r.payloads.pullRequest(during, "opened");
    expect((await r.senderTo(0).send(d1)).status).toBe(200);
    await waitFor("the observation made while Redis is away", async () => (observed(await r.points(), during) ? true : undefined), 15_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${r.apps[0]!.output.slice(-15).join("\n")}`);
    });
    const down = await Promise.all(r.apps.map((a) => health(a.url)));
    for (const h of down) expect(h.redisReachable).toBe(false);

    await r.redis!.start();
    await waitFor("every replica to reach Redis again", async () => {
      const all = await Promise.all(r.apps.map((a) => health(a.url)));
      return all.every((h) => h.redisReachable) ? true : undefined;
    });
    const after = m.openPullRequest(repo, { author: "dev" });
    const d2 = r.payloads.pullRequest(after, "opened");
    expect((await r.senderTo(1).send(d2)).status).toBe(200);
    await waitFor("the observation made after Redis came back", async () => (observed(await r.points(), after) ? true : undefined), 30_000);
    await waitIdle(r);
    const before = counts(await r.points());
    expect((await r.senderTo(0).send(d2)).status).toBe(200);
    await sleep(1500);
    await waitIdle(r);
    expect(counts(await r.points())).toEqual(before);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import { DeliveryLog } from "../../src/pipeline/delivery-log.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint } from "../../src/store/point.js";
import { silentLog } from "../helpers/silent-log.js";
import { Probot } from "probot";
import { appCredentials } from "../helpers/app-process.js";
import { liveObjects } from "../helpers/force-gc.js";
import { TestOctokit, testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// Issue 10 item 6: while GitHub does not answer, each delivery for a waiting PR must leave
// nothing of itself behind. A Probot delivery brings a Context whose octokit hooks a closure over
// the whole event (payload included); the app used to keep that octokit's graphql (and a child
// logger) per fetch it started, so the payloads of a storm stayed in memory until GitHub answered.

let dataDir: string;
let handle: AppHandle | undefined;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "waiting-memory-"));
  nock("https://api.github.com")
    .persist()
    .get(/\/contents\//)
    .reply(404, { message: "Not Found" })
    .post(/\/app\/installations\/\d+\/access_tokens/)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" });
});

/**
 * A Probot authenticated as a GitHub App, as in production: each delivery gets its own
 * installation octokit (Probot's event-octokit), into which Probot hooks a closure over the whole
 * event. (testProbot's token auth shares one octokit between deliveries and would hide this.)
 */
function appProbot(): Probot {
  const { appId, privateKey } = appCredentials();
  return new Probot({ appId, privateKey, Octokit: TestOctokit, log: silentLog() });
}
afterEach(async () => {
  nock.cleanAll();
  await rm(dataDir, { recursive: true, force: true });
});

/** GitHub far behind: every snapshot fetch waits in a queue that holds its arguments, as Probot's throttling queue (Bottleneck) holds each queued request. */
function blockedGitHub() {
  const queue: unknown[] = [];
  const snapshots: SnapshotFunctions<never> = {
    fetch: (graphql, targets) => {
      queue.push({ graphql, targets });
      return new Promise(() => {});
    },
    isMergeableUnknown: () => false,
    toPoint: () => {
      throw new Error("unreachable");
    },
  };
  return { snapshots, queue };
}

/** Sends `deliveries` pull_request.synchronize deliveries for one PR over `windows` coalescing windows; counts the payloads still alive. */
async function storm(deliveries: number, windows: number) {
  const gh = blockedGitHub();
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "1", FLUSH_INTERVAL_MS: "10", SHUTDOWN_GRACE_MS: "0" }, snapshots: gh.snapshots });
  const probot = appProbot();
  await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
  const live = liveObjects();
  for (let i = 0; i < deliveries; i++) {
    const payload = webhookExample("pull_request", "synchronize", (p) => Boolean(p.installation));
    live.track(payload);
    await probot.receive({ id: `storm-${deliveries}-${i}`, name: "pull_request", payload } as any);
    if (i % Math.ceil(deliveries / windows) === 0) await new Promise((r) => setTimeout(r, 10)); // the window closes
  }
  const { capture } = handle.runtime()!;
  const result = { pending: capture.observer.pending, fetches: gh.queue.length, alivePayloads: await live.alive() };
  await handle.shutdown();
  handle = undefined;
  return result;
}

describe("a PR waiting for GitHub during a storm of deliveries", () => {
  it("keeps no webhook payload alive, and one fetch per PR, however many deliveries arrive", async () => {
    const small = await storm(50, 5);
    const large = await storm(500, 25);
    // One fetch in flight (blocked) and one window waiting for it, whatever N. At most the last
    // payload may still be referenced (from this test's own frame); the app used to keep one per
    // fetch it started (41 and 230 here).
    for (const result of [small, large]) {
      expect(result).toMatchObject({ pending: 1, fetches: 1 });
      expect(result.alivePayloads).toBeLessThanOrEqual(1);
    }
  });
});

describe("the delivery log after a wait for GitHub", () => {
  it("marks every delivery of the storm done once the PR is observed: those naming the PR and those naming its commit", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fetched: string[] = [];
    const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
      fetch: async (_g, targets) => {
        await gate;
        fetched.push(...targets.map((t) => `${t.owner}/${t.repo}#${t.number}`));
        return new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t]));
      },
      isMergeableUnknown: () => false,
      toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger }),
    };
    const pr = webhookExample("pull_request", "synchronize", (p) => Boolean(p.installation));
    const status = webhookExample("status", undefined, (p) => Boolean(p.installation));
    status.repository = pr.repository;
    status.installation = pr.installation;
    nock("https://api.github.com")
      .persist()
      .get(`/repos/${pr.repository.full_name}/commits/${status.sha}/pulls`)
      .query(true)
      .reply(200, [{ number: pr.pull_request.number, state: "open", base: { repo: { full_name: pr.repository.full_name } } }]);
    handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "1", FLUSH_INTERVAL_MS: "10" }, snapshots });
    const probot = testProbot();
    await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
    for (let i = 0; i < 60; i++) {
      const named = i % 3 !== 0;
      await probot.receive({ id: `d-${i}`, name: named ? "pull_request" : "status", payload: named ? pr : status } as any);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    release();
    await handle.shutdown();
    handle = undefined;
    expect(new Set(fetched)).toEqual(new Set([`${pr.repository.full_name}#${pr.pull_request.number}`]));
    const log = new DeliveryLog(join(dataDir, "deliveries"), { log: silentLog() });
    expect(await log.load()).toEqual([]);
    await log.close();
  });
});

describe("deliveries waiting for a config read or a commit look-up", () => {
  it("wait as one task and one entry per PR and per commit, however many arrive, and are all marked done", async () => {
    let configRead!: () => void;
    let commitRead!: () => void;
    const configGate = new Promise<void>((r) => (configRead = r));
    const commitGate = new Promise<void>((r) => (commitRead = r));
    // check_run (naming its PR) rather than pull_request: the inferred-actions handler reads the
    // config before answering a pull_request delivery, which would hold this test's sender.
    const check = webhookExample("check_run", "completed");
    const status = webhookExample("status", undefined, (p) => Boolean(p.installation));
    check.installation = status.installation;
    status.repository = check.repository;
    const pr = { repository: check.repository, pull_request: { number: check.check_run.pull_requests[0].number as number } };
    nock.cleanAll(); // this test answers the config read itself, late
    nock("https://api.github.com")
      .persist()
      .get(/\/contents\//)
      .reply(async () => {
        await configGate;
        return [404, { message: "Not Found" }];
      })
      .get(`/repos/${pr.repository.full_name}/commits/${status.sha}/pulls`)
      .query(true)
      .reply(async () => {
        await commitGate;
        return [200, [{ number: pr.pull_request.number, state: "open", base: { repo: { full_name: pr.repository.full_name } } }]];
      });
    const fetched: string[] = [];
    const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
      fetch: async (_g, targets) => {
        fetched.push(...targets.map((t) => `${t.owner}/${t.repo}#${t.number}`));
        return new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t]));
      },
      isMergeableUnknown: () => false,
      toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger, delivery_id: ctx.deliveryId }),
    };
    handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "1", FLUSH_INTERVAL_MS: "10" }, snapshots });
    const probot = testProbot();
    await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
    const { capture } = handle.runtime()!;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const named = i % 2 === 0;
        await probot.receive({ id: `w-${n}-${i}`, name: named ? "check_run" : "status", payload: named ? check : status } as any);
      }
    };
    await send(200);
    // Before: one background task per delivery, each holding it until the config read ends.
    expect({ tasks: capture.tasks.size, groups: capture.waiting.size }).toEqual({ tasks: 1, groups: 1 });
    configRead();
    await new Promise((r) => setTimeout(r, 50));
    // The PR is observed; the status deliveries now wait for their commit's look-up, as one.
    await send(100);
    expect({ tasks: capture.tasks.size, groups: capture.waiting.size }).toEqual({ tasks: 1, groups: 1 });
    commitRead();
    await handle.shutdown();
    handle = undefined;
    expect(new Set(fetched)).toEqual(new Set([`${pr.repository.full_name}#${pr.pull_request.number}`]));
    const log = new DeliveryLog(join(dataDir, "deliveries"), { log: silentLog() });
    expect(await log.load()).toEqual([]);
    await log.close();
  });
});

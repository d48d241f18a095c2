import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { noAttempts } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import type { Runtime } from "../../src/runtime.js";
import { openStore } from "../../src/store/open-store.js";
import { startSweepScheduler, type SweepScheduler } from "../../src/sweep/sweep-scheduler.js";
import { configsBody, openPage, prNode, restRepo } from "./github-shapes.js";

const API = "https://api.github.com";
const log = pino({ level: "silent" });
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));

let dir: string;
let runtime: Runtime;
let scheduler: SweepScheduler | undefined;

async function makeRuntime(env: Record<string, string>): Promise<Runtime> {
  const config = loadConfig({ DATA_DIR: dir, ...env });
  return { config, log, store: await openStore(config, log), repoConfigs: new RepoConfigCache(0), attempts: noAttempts };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sweep-scheduler-"));
  runtime = await makeRuntime({});
});

afterEach(async () => {
  await scheduler?.stop(100);
  scheduler = undefined;
  await runtime.store.close();
  await rm(dir, { recursive: true, force: true });
});

const app = () => new Probot({ appId: 12345, privateKey, log, Octokit: TestOctokit });

/** One installation (77, octo) with one repository, octo/a, holding `prs` open PRs; `delayMs` on the page. */
function oneInstallation(prs: number, delayMs = 0) {
  return [
    nock(API)
      .get("/app/installations")
      .query({ per_page: 100 })
      .reply(200, [{ id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345, target_type: "Organization", suspended_at: null }])
      .post("/app/installations/77/access_tokens")
      .reply(201, { token: "ghs_77", expires_at: "2026-02-05T10:00:00Z", permissions: {}, repository_selection: "all" })
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, { total_count: 1, repository_selection: "all", repositories: [restRepo("octo/a", 1)] })
      .post("/graphql", (b) => b.query.includes("query RepoConfigs"))
      .reply(200, configsBody({ r0: null, g0: null })),
    nock(API)
      .post("/graphql", (b) => b.variables.owner === "octo" && b.variables.name === "a")
      .delay(delayMs)
      .reply(200, openPage(Array.from({ length: prs }, (_, i) => prNode({ repo: "octo/a", number: i + 1 })), null)),
  ];
}

async function storedCount(): Promise<number> {
  let n = 0;
  for await (const _ of runtime.store.read()) n++;
  return n;
}

describe("startSweepScheduler", () => {
  it("SWEEP_INTERVAL_MINUTES=0 turns it off: no sweep, no request", async () => {
    runtime = await makeRuntime({ SWEEP_INTERVAL_MINUTES: "0" });
    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 1 });
    expect(await scheduler.runNow()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(await storedCount()).toBe(0);
  });

  it("its timer never keeps the process alive", async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timeouts();
    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 60_000 });
    expect(timeouts()).toBe(before);
  });

  it("sweeps every installation on its first tick", async () => {
    const scopes = oneInstallation(3);
    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 5 });
    for (let i = 0; i < 100 && (await storedCount()) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(await storedCount()).toBe(3);
  });

  it("never runs two sweeps at once", async () => {
    oneInstallation(2, 200);
    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 60_000 });
    const first = scheduler.runNow();
    expect(await scheduler.runNow()).toBeUndefined();
    const summary = await first;
    expect(summary).toMatchObject({ repos: 1, openPrs: 2, observationsWritten: 2, githubRequests: 5 });
  });

  it("stop() waits for a running sweep to finish its repository, and no longer than its bound", async () => {
    const [, page] = oneInstallation(2, 300);
    // Stopped once the sweep is inside the repository (its page asked for), however slow the machine.
    const inRepository = new Promise((r) => page!.once("request", r));
    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 60_000 });
    const running = scheduler.runNow();
    await inRepository;
    await scheduler.stop(5_000);
    expect(await storedCount()).toBe(2);
    expect((await running)?.openPrs).toBe(2);

    nock.cleanAll();
    oneInstallation(2, 2_000);
    const other = startSweepScheduler(app(), runtime, { firstDelayMs: 60_000 });
    const slow = other.runNow();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await other.stop(50);
    expect(Date.now() - started).toBeLessThan(1_000);
    await slow;
  });

  it("with several replicas, sweeps only when its claim on the interval succeeds (held for the interval less its jitter)", async () => {
    const scopes = oneInstallation(3);
    const holds: number[] = [];
    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 5, claim: async (holdMs) => (holds.push(holdMs), false) });
    await new Promise((r) => setTimeout(r, 200));
    // SWEEP_INTERVAL_MINUTES=15 by default: 15 min less 10% (at most a minute).
    expect(holds).toEqual([15 * 60_000 - 60_000]);
    expect(scopes[0]!.isDone()).toBe(false);
    expect(await storedCount()).toBe(0);
    await scheduler.stop(100);

    scheduler = startSweepScheduler(app(), runtime, { firstDelayMs: 5, claim: async () => true });
    for (let i = 0; i < 100 && (await storedCount()) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    for (const s of scopes) expect(s.isDone()).toBe(true);
  });
});

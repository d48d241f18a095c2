import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import type { PullRequestRef, SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint } from "../../src/store/point.js";
import { testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";
import type { Probot } from "probot";

/** Snapshot functions that record which PRs were fetched and answer with a minimal point. */
function recordingSnapshots() {
  const fetched: string[][] = [];
  const snapshots: SnapshotFunctions<PullRequestRef> = {
    async fetch(_graphql, targets) {
      fetched.push(targets.map((t) => `${t.owner}/${t.repo}#${t.number}`));
      return new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t]));
    },
    isMergeableUnknown: () => false,
    toPoint: (t, now, ctx) =>
      makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "x" }, { trigger: ctx.trigger, delivery_id: ctx.deliveryId }),
  };
  return { snapshots, fetched };
}

let dataDir: string;
let handle: AppHandle;
let probot: Probot;
let fetched: string[][];

async function start(env: Record<string, string> = {}) {
  const rec = recordingSnapshots();
  fetched = rec.fetched;
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "20", FLUSH_INTERVAL_MS: "10", ...env }, snapshots: rec.snapshots });
  probot = testProbot();
  await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
}

async function journal(): Promise<Array<Record<string, any>>> {
  const dir = join(dataDir, "journal");
  const files = (await readdir(dir).catch(() => [])).sort();
  const lines: Array<Record<string, any>> = [];
  for (const f of files) for (const l of (await readFile(join(dir, f), "utf8")).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
  return lines;
}

/** No .github/pr-telemetry.yml in the repo nor in the org's .github repo. */
function noRepoConfig(owner: string, repo: string) {
  return nock("https://api.github.com")
    .get(`/repos/${owner}/${repo}/contents/.github%2Fpr-telemetry.yml`)
    .reply(404, { message: "Not Found" })
    .get(`/repos/${owner}/.github/contents/.github%2Fpr-telemetry.yml`)
    .reply(404, { message: "Not Found" });
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "capture-"));
});
afterEach(async () => {
  await handle?.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

describe("capture from webhooks", () => {
  it("turns pull_request.opened into one observation with its trigger and delivery id", async () => {
    await start();
    const payload = webhookExample("pull_request", "opened", (p) => Boolean(p.installation));
    const scope = noRepoConfig(payload.repository.owner.login, payload.repository.name);
    await probot.receive({ id: "delivery-1", name: "pull_request", payload } as any);
    await handle.shutdown();
    scope.done();
    const points = await journal();
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({
      measurement: "pr_observation",
      tags: { repo: payload.repository.full_name, pr: String(payload.pull_request.number) },
      fields: { trigger: "pull_request.opened", delivery_id: "delivery-1" },
    });
  });

  it("writes nothing new for a redelivered delivery, even after a restart", async () => {
    await start();
    const payload = webhookExample("pull_request", "synchronize");
    noRepoConfig(payload.repository.owner.login, payload.repository.name);
    await probot.receive({ id: "same-id", name: "pull_request", payload } as any);
    await probot.receive({ id: "same-id", name: "pull_request", payload } as any);
    await handle.shutdown();
    await start();
    await probot.receive({ id: "same-id", name: "pull_request", payload } as any);
    await handle.shutdown();
    expect(await journal()).toHaveLength(1);
    expect(fetched).toEqual([]); // the restarted app fetched nothing
  });

  it("reads the repo config once for a burst and coalesces a burst of check runs into one fetch", async () => {
    // A window longer than the burst takes on a loaded machine (200 ms was not, once): the
    // shutdown observes what is still waiting, so the test does not wait it out.
    await start({ DEBOUNCE_MS: "5000" });
    const payload = webhookExample("check_run", "completed");
    const scope = noRepoConfig(payload.repository.owner.login, payload.repository.name);
    for (let i = 0; i < 40; i++) await probot.receive({ id: `burst-${i}`, name: "check_run", payload } as any);
    await handle.shutdown();
    scope.done();
    expect(fetched).toEqual([[`${payload.repository.full_name}#${payload.check_run.pull_requests[0].number}`]]);
    expect(await journal()).toHaveLength(1);
  });

  it("finds the PRs of the commit for a status event (which never names its PR)", async () => {
    await start();
    const payload = webhookExample("status");
    const { login } = payload.repository.owner;
    const { name } = payload.repository;
    noRepoConfig(login, name);
    const lookup = nock("https://api.github.com")
      .get(`/repos/${login}/${name}/commits/${payload.sha}/pulls`)
      .query(true)
      .reply(200, [
        { number: 5, state: "open", base: { repo: { full_name: `${login}/${name}` } } },
        { number: 4, state: "closed", base: { repo: { full_name: `${login}/${name}` } } },
      ]);
    await probot.receive({ id: "status-1", name: "status", payload } as any);
    await handle.shutdown();
    lookup.done();
    expect(fetched).toEqual([[`${login}/${name}#5`]]);
  });

  it("finds the PR by head SHA when a check_run from a fork lists no pull request", async () => {
    await start();
    const payload = webhookExample("check_run", "completed");
    payload.check_run.pull_requests = [];
    const { login } = payload.repository.owner;
    const { name } = payload.repository;
    noRepoConfig(login, name);
    const lookup = nock("https://api.github.com")
      .get(`/repos/${login}/${name}/commits/${payload.check_run.head_sha}/pulls`)
      .query(true)
      .reply(200, [{ number: 9, state: "open", base: { repo: { full_name: `${login}/${name}` } } }]);
    await probot.receive({ id: "fork-1", name: "check_run", payload } as any);
    await handle.shutdown();
    lookup.done();
    expect(fetched).toEqual([[`${login}/${name}#9`]]);
  });

  it("records nothing for a repository whose config says enabled: false", async () => {
    await start();
    const payload = webhookExample("pull_request", "opened");
    const { login } = payload.repository.owner;
    const { name } = payload.repository;
    nock("https://api.github.com").get(`/repos/${login}/${name}/contents/.github%2Fpr-telemetry.yml`).reply(200, "enabled: false\n", { "content-type": "text/plain; charset=utf-8" });
    await probot.receive({ id: "off-1", name: "pull_request", payload } as any);
    await handle.shutdown();
    expect(fetched).toEqual([]);
    expect(await journal()).toEqual([]);
  });

  it("ignores payloads without the expected objects without crashing", async () => {
    await start();
    const payload = webhookExample("pull_request", "opened");
    delete payload.pull_request;
    await expect(probot.receive({ id: "bad-1", name: "pull_request", payload } as any)).resolves.not.toThrow();
    const noRepo = webhookExample("status");
    delete noRepo.repository;
    await expect(probot.receive({ id: "bad-2", name: "status", payload: noRepo } as any)).resolves.not.toThrow();
    await handle.shutdown();
    expect(fetched).toEqual([]);
  });

  it("keeps observing when the commit look-up fails with a GitHub 502", async () => {
    await start();
    const payload = webhookExample("status");
    const { login } = payload.repository.owner;
    const { name } = payload.repository;
    noRepoConfig(login, name);
    nock("https://api.github.com").get(`/repos/${login}/${name}/commits/${payload.sha}/pulls`).query(true).reply(502, "Bad Gateway");
    await probot.receive({ id: "s502", name: "status", payload } as any);
    const pr = webhookExample("pull_request", "opened");
    noRepoConfig(pr.repository.owner.login, pr.repository.name);
    await probot.receive({ id: "after-502", name: "pull_request", payload: pr } as any);
    await handle.shutdown();
    expect(fetched).toEqual([[`${pr.repository.full_name}#${pr.pull_request.number}`]]);
  });
});

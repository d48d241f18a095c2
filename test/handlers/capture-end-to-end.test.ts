import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import { loadResponse } from "../signals/load-snapshot.js";
import { testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// The whole capture path with GitHub's real shapes: a webhook payload from
// @octokit/webhooks-examples, the real GraphQL snapshot query answered by nock with a saved
// response, the real signal function, and the journal line a user reads.

let dataDir: string;
let handle: AppHandle;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "e2e-capture-"));
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-02-05T09:00:00.000Z"));
});
afterEach(async () => {
  await handle?.shutdown();
  vi.useRealTimers();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}) {
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10", MERGEABLE_BACKOFF_MS: "10", ...env } });
  const probot = testProbot();
  await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
  return probot;
}

function dappcorePayload() {
  const payload = webhookExample("pull_request", "synchronize");
  payload.repository.owner.login = "dappcore";
  payload.repository.name = "core";
  payload.repository.full_name = "dappcore/core";
  return payload;
}

function noRepoConfig() {
  return nock("https://api.github.com").get(/\/repos\/dappcore\/(core|\.github)\/contents\//).times(2).reply(404, { message: "Not Found" });
}

async function journalLines(): Promise<string[]> {
  const dir = join(dataDir, "journal");
  const lines: string[] = [];
  for (const f of (await readdir(dir)).sort()) lines.push(...(await readFile(join(dir, f), "utf8")).split("\n").filter(Boolean));
  return lines;
}

describe("capture, end to end with GitHub's shapes", () => {
  it("writes the journal line a user reads, every signal from one GraphQL snapshot", async () => {
    const probot = await start();
    const payload = dappcorePayload();
    payload.pull_request.number = 315;
    noRepoConfig();
    const graphql = nock("https://api.github.com")
      .post("/graphql", (body) => body.variables.o0 === "dappcore" && body.variables.n0 === "core" && body.variables.p0 === 315)
      .reply(200, loadResponse("pr-open-blocked-mixed-checks"));
    await probot.receive({ id: "7a1c0f00-0000-4000-8000-000000000315", name: "pull_request", payload } as any);
    await handle.shutdown();
    graphql.done();
    const lines = await journalLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchInlineSnapshot(`"{"measurement":"pr_observation","time":"2026-02-05T09:00:00.000Z","tags":{"repo":"dappcore/core","pr":"315","author":"jules[bot]"},"fields":{"merge_state":"BLOCKED","is_draft":false,"auto_merge_enabled":true,"checks_total":9,"checks_passing":5,"checks_failing":2,"checks_pending":2,"reviews_approved":2,"reviews_changes_requested":1,"review_requests":1,"threads_total":5,"threads_unresolved":3,"pr_age_hours":48,"last_push_hours":2,"last_activity_hours":1,"head_sha":"9f2c1e7d4b3a58c6e0f1a2b3c4d5e6f708192a3b","base_ref":"main","head_ref":"feat/\\"quoted\\",comma=eq sign\\nnew line 🚀\\\\","commits":6,"additions":412,"deletions":37,"changed_files":9,"state":"OPEN","mergeable":true,"review_decision":"CHANGES_REQUESTED","conflict_attempts":0,"review_fix_attempts":0,"trigger":"pull_request.synchronize","delivery_id":"7a1c0f00-0000-4000-8000-000000000315"}}"`);
  });

  it("fetches again while mergeability is UNKNOWN and leaves mergeable out when it stays unknown", async () => {
    const probot = await start({ MERGEABLE_RETRIES: "2" });
    const payload = dappcorePayload();
    payload.pull_request.number = 318;
    noRepoConfig();
    const graphql = nock("https://api.github.com").post("/graphql").times(3).reply(200, loadResponse("pr-draft-unknown-no-checks"));
    await probot.receive({ id: "unknown-1", name: "pull_request", payload } as any);
    await handle.shutdown();
    graphql.done();
    const [line] = await journalLines();
    const point = JSON.parse(line!);
    expect(point.fields.merge_state).toBe("UNKNOWN");
    expect(point.fields).not.toHaveProperty("mergeable");
  });

  it("records the PR once GitHub has computed mergeability", async () => {
    const probot = await start({ MERGEABLE_RETRIES: "3" });
    const payload = dappcorePayload();
    payload.pull_request.number = 318;
    noRepoConfig();
    const computed = loadResponse("pr-draft-unknown-no-checks");
    (computed.data.r0.p0 as any).mergeable = "MERGEABLE";
    const graphql = nock("https://api.github.com")
      .post("/graphql")
      .reply(200, loadResponse("pr-draft-unknown-no-checks"))
      .post("/graphql")
      .reply(200, computed);
    await probot.receive({ id: "unknown-2", name: "pull_request", payload } as any);
    await handle.shutdown();
    graphql.done();
    expect(JSON.parse((await journalLines())[0]!).fields.mergeable).toBe(true);
  });

  it("records nothing false when GitHub answers 502 and logs the PR; the next event records it", async () => {
    const probot = await start();
    const payload = dappcorePayload();
    payload.pull_request.number = 315;
    noRepoConfig();
    nock("https://api.github.com").post("/graphql").times(4).reply(502, "Bad Gateway");
    await probot.receive({ id: "gh-502", name: "pull_request", payload } as any);
    await handle.shutdown();
    expect(await readdir(join(dataDir, "journal")).catch(() => [])).toEqual([]);
    expect(handle.runtime()?.capture.observer.observationsFailed).toBe(1);
  });
});

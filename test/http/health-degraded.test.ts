import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { Probot, Server } from "probot";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import { healthStatus } from "../../src/http/health.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { freePort } from "../helpers/app-process.js";
import { silentLog } from "../helpers/silent-log.js";
import { TestOctokit } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// Issue 10 item 16: an observation stuck waiting for GitHub must show in /health, not "ok".

const SECRET = "test-secret";
/** GitHub never answers the snapshot query. */
const blocked: SnapshotFunctions<never> = {
  fetch: () => new Promise(() => {}),
  isMergeableUnknown: () => false,
  toPoint: () => {
    throw new Error("unreachable");
  },
};

let dataDir: string;
let server: Server;
let handle: AppHandle;
let base: string;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-02-05T09:00:00.000Z"));
  dataDir = await mkdtemp(join(tmpdir(), "health-"));
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "1", SHUTDOWN_GRACE_MS: "0" }, snapshots: blocked });
  server = new Server({
    host: "127.0.0.1",
    port: await freePort(), // Probot's Server takes 0 for "unset" and listens on 3000, which another test file may hold
    log: silentLog(),
    Probot: Probot.defaults({ githubToken: "t", secret: SECRET, Octokit: TestOctokit, log: silentLog() }),
  });
  await server.load(handle.appFn);
  await server.start();
  base = `http://127.0.0.1:${server.port}`;
});
afterEach(async () => {
  await server.stop();
  await handle.shutdown();
  vi.useRealTimers();
  nock.cleanAll();
  await rm(dataDir, { recursive: true, force: true });
});

async function deliver(payload: object, id: string) {
  const body = JSON.stringify(payload);
  return fetch(`${base}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, body) },
    body,
  });
}

function prPayload(number: number) {
  const payload = webhookExample("pull_request", "synchronize", (p) => Boolean(p.installation));
  payload.repository.owner.login = "acme";
  payload.repository.name = "api";
  payload.repository.full_name = "acme/api";
  payload.pull_request.number = number;
  payload.number = number;
  return payload;
}

describe("GET /health while observations wait for GitHub", () => {
  it("says degraded (still 200) with how many wait too long and the oldest", async () => {
    nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" });
    expect((await deliver(prPayload(12), "d-12")).status).toBe(200);
    vi.setSystemTime(new Date("2026-02-05T09:02:00.000Z"));
    expect((await deliver(prPayload(13), "d-13")).status).toBe(200);
    expect((await deliver(prPayload(14), "d-14")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50)); // all three are being fetched (blocked)

    const fine = await fetch(`${base}/health`);
    expect(await fine.json()).toMatchObject({ status: "ok", pending: 3, stuckObservations: 0 });

    vi.setSystemTime(new Date("2026-02-05T09:05:40.000Z"));
    const degraded = await fetch(`${base}/health`);
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toMatchObject({
      status: "degraded",
      reason: "3 observations waiting longer than 120 s for GitHub; oldest acme/api#12 for 340 s",
      stuckObservations: 3,
      pending: 3,
    });
  });

  it("words one stuck observation, and leaves unavailable (503) to the store", () => {
    expect(healthStatus(true, { count: 1, oldest: { pr: "acme/api#12", waitedMs: 125_400 } }, 120_000)).toEqual({
      status: "degraded",
      reason: "1 observation waiting longer than 120 s for GitHub; oldest acme/api#12 for 125 s",
    });
    expect(healthStatus(false, { count: 1, oldest: { pr: "acme/api#12", waitedMs: 125_400 } }, 120_000)).toEqual({ status: "unavailable" });
    expect(healthStatus(true, { count: 0 }, 120_000)).toEqual({ status: "ok" });
  });
});

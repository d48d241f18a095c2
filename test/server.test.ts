import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { Probot, Server } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../src/app.js";
import type { SnapshotFunctions } from "../src/pipeline/observer.js";
import { makePoint } from "../src/store/point.js";
import { silentLog } from "./helpers/silent-log.js";
import { freePort } from "./helpers/app-process.js";
import { TestOctokit } from "./helpers/test-probot.js";
import { webhookExample } from "./helpers/webhook-examples.js";

const SECRET = "test-secret";
const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
  fetch: async (_g, targets) => new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t])),
  isMergeableUnknown: () => false,
  toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger }),
};

let dataDir: string;
let server: Server;
let handle: AppHandle;
let base: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "server-"));
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10" }, snapshots });
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
  await chmod(dataDir, 0o755).catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

async function deliver(payload: object, options: { event?: string; id?: string; signature?: string | null } = {}) {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": options.event ?? "pull_request",
    "x-github-delivery": options.id ?? "d-1",
  };
  const signature = options.signature === undefined ? await sign(SECRET, body) : options.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return fetch(`${base}/api/github/webhooks`, { method: "POST", headers, body });
}

describe("the app's HTTP server", () => {
  it("acknowledges a signed delivery at once and records it", async () => {
    const payload = webhookExample("pull_request", "opened");
    nock("https://api.github.com").get(/\/contents\//).times(2).reply(404, { message: "Not Found" });
    const started = Date.now();
    const res = await deliver(payload);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000); // far inside GitHub's 10 s
    await handle.shutdown();
    expect(await readdir(join(dataDir, "journal"))).toHaveLength(1);
  });

  it("refuses a forged or missing signature and records nothing", async () => {
    const payload = webhookExample("pull_request", "opened");
    const forged = await deliver(payload, { signature: await sign("wrong-secret", JSON.stringify(payload)) });
    expect(forged.status).toBe(400);
    const missing = await deliver(payload, { signature: null });
    expect(missing.status).toBe(400);
    await handle.shutdown();
    expect(await readdir(join(dataDir, "journal")).catch(() => [])).toEqual([]);
  });

  it("answers a malformed JSON body with 400 and keeps running", async () => {
    const body = "{not json";
    const res = await fetch(`${base}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": "bad", "x-hub-signature-256": await sign(SECRET, body) },
      body,
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it("GET /health answers 200 with the store and counters, 503 with the reason when the journal is not writable", async () => {
    const ok = await fetch(`${base}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", store: "journal", pointsWritten: 0, backlog: 0, pending: 0 });
    if (process.getuid?.() === 0) {
      // root ignores permission bits: make the journal path a file instead
      await rm(join(dataDir, "journal"), { recursive: true, force: true });
      await import("node:fs/promises").then((fs) => fs.writeFile(join(dataDir, "journal"), ""));
    } else {
      await chmod(dataDir, 0o500);
    }
    const bad = await fetch(`${base}/health`);
    expect(bad.status).toBe(503);
    expect(await bad.json()).toMatchObject({ status: "unavailable", problem: expect.stringMatching(/not writable/) });
  });
});

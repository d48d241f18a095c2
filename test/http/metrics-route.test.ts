import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { Probot, Server } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint } from "../../src/store/point.js";
import { freePort } from "../helpers/app-process.js";
import { silentLog } from "../helpers/silent-log.js";
import { TestOctokit } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// GET /metrics on the real server (Probot's Server with the app): the counters a delivery moves,
// the gauges read at scrape time, and METRICS_TOKEN.

const SECRET = "test-secret";
const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
  fetch: async (_g, targets) => new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t])),
  isMergeableUnknown: () => false,
  toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger }),
};

let dataDir: string | undefined;
let server: Server | undefined;
let handle: AppHandle | undefined;

async function start(env: Record<string, string> = {}): Promise<string> {
  dataDir = await mkdtemp(join(tmpdir(), "metrics-route-"));
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10", SWEEP_INTERVAL_MINUTES: "0", ...env }, snapshots });
  server = new Server({
    host: "127.0.0.1",
    port: await freePort(),
    log: silentLog(),
    Probot: Probot.defaults({ githubToken: "t", secret: SECRET, Octokit: TestOctokit, log: silentLog() }),
  });
  await server.load(handle.appFn);
  await server.start();
  nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" });
  return `http://127.0.0.1:${server.port}`;
}

afterEach(async () => {
  await server?.stop();
  await handle?.shutdown();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  server = handle = dataDir = undefined;
});

async function deliver(url: string, id: string, body: string, secret = SECRET, event = "pull_request"): Promise<number> {
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": await sign(secret, body) },
    body,
  });
  await res.text();
  return res.status;
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("counts deliveries by event and result, times their answers, and measures the observation they led to", async () => {
    const url = await start();
    const opened = JSON.stringify(webhookExample("pull_request", "opened"));
    expect(await deliver(url, "d1", opened)).toBe(200);
    expect(await deliver(url, "d2", opened)).toBe(200);
    // A forged delivery naming an event of its own: refused, and counted without its made-up name.
    expect(await deliver(url, "d3", opened, "wrong-secret", "made_up_event")).toBe(400);
    // Both deliveries fall in one coalescing window: one observation, one coalesced event.
    for (let i = 0; i < 100 && handle!.runtime()!.capture.observer.observationsWritten < 1; i++) await sleep(20);

    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'pr_telemetry_deliveries_total{event="pull_request",result="ok"}')).toBe(2);
    expect(sample(text, 'pr_telemetry_deliveries_total{event="unverified",result="refused"}')).toBe(1);
    expect(text).not.toContain("made_up_event");
    expect(sample(text, "pr_telemetry_webhook_ack_seconds_count")).toBe(3);
    expect(sample(text, "pr_telemetry_observation_lag_seconds_count")).toBe(1);
    expect(sample(text, "pr_telemetry_coalesced_events_total")).toBe(1);
    expect(sample(text, "pr_telemetry_journal_backlog_points")).toBe(0);
    expect(sample(text, "pr_telemetry_forwarder_lag_seconds")).toBe(0);
    expect(sample(text, "pr_telemetry_dead_lettered_points")).toBe(0);
    expect(sample(text, "pr_telemetry_pending_observations")).toBe(0);
    // Default process metrics, and issue 12's backfill gauges already named.
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sample(text, "pr_telemetry_backfill_prs_total")).toBe(0);
    expect(text).toContain("# TYPE pr_telemetry_github_rate_limit_remaining gauge");
  });

  it("asks for the METRICS_TOKEN as a Bearer token when one is set", async () => {
    const url = await start({ METRICS_TOKEN: "s3cret" });
    const none = await fetch(`${url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(await none.text()).not.toContain("pr_telemetry_");
    expect((await fetch(`${url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: "Bearer s3cret" } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("pr_telemetry_deliveries_total");
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

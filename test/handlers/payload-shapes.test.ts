import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createApp, type AppHandle } from "../../src/app.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint } from "../../src/store/point.js";
import { ROOT } from "../helpers/app-process.js";
import { recordingLog } from "../helpers/silent-log.js";
import { TestOctokit } from "../helpers/test-probot.js";
import { webhookExamples } from "../helpers/webhook-examples.js";

// The payload shapes must never refuse what GitHub really sends: every example payload of every
// event app.yml subscribes to goes through the app, and none may be reported malformed.

const subscribed = (parse(readFileSync(join(ROOT, "app.yml"), "utf8")) as { default_events: string[] }).default_events;
const examples = webhookExamples(subscribed);

const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
  fetch: async (_g, targets) => new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t])),
  isMergeableUnknown: () => false,
  toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger }),
};

let dataDir: string;
let handle: AppHandle;
let probot: Probot;
let entries: Array<Record<string, any>>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "payload-shapes-"));
  // Every sender of the examples is an orchestrator, so the inferred-action family reads them all.
  const senders = [...new Set(examples.map((e) => e.payload["sender"]?.login).filter(Boolean))].join(",");
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10", ORCHESTRATOR_LOGINS: senders, SWEEP_INTERVAL_MINUTES: "0" }, snapshots });
  const recording = recordingLog();
  entries = recording.entries;
  probot = new Probot({ githubToken: "test-token", Octokit: TestOctokit, log: recording.log });
  await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
  nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" }).get(/\/git\/commits\//).reply(404, { message: "Not Found" });
});
afterAll(async () => {
  await handle.shutdown();
  nock.cleanAll();
  await rm(dataDir, { recursive: true, force: true });
});

describe("payload shapes against @octokit/webhooks-examples", () => {
  it("covers every subscribed event", () => {
    expect(new Set(examples.map((e) => e.name))).toEqual(new Set(subscribed));
  });

  it.each(examples)("$label passes", async ({ name, payload, label }) => {
    await probot.receive({ id: label, name, payload: structuredClone(payload) } as any);
    expect(entries.filter((e) => e["delivery"] === label && String(e["msg"]).startsWith("malformed")).map((e) => e["msg"])).toEqual([]);
  });
});

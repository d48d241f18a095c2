import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import { testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// Payloads that lack the objects an event should carry: every handler family must shrug them off
// (log and move on), never throw out of Probot nor take the app down.
let dataDir: string;
let handle: AppHandle;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "malformed-"));
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10", ORCHESTRATOR_LOGINS: "Codertocat", SWEEP_INTERVAL_MINUTES: "0" } });
  nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" });
});
afterEach(async () => {
  await handle.shutdown();
  nock.cleanAll();
  await rm(dataDir, { recursive: true, force: true });
});

const cases: Array<[string, string, (p: Record<string, any>) => void]> = [
  ["pull_request", "closed", (p) => delete p.pull_request],
  ["pull_request", "closed", (p) => (p.pull_request = { number: 2 })],
  ["pull_request", "labeled", (p) => delete p.label],
  ["pull_request", "synchronize", (p) => delete p.repository],
  ["issue_comment", "created", (p) => delete p.comment],
  ["pull_request_review", "submitted", (p) => (p.pull_request = null)],
  ["check_run", "completed", (p) => (p.check_run = "nonsense")],
  ["status", undefined as unknown as string, (p) => delete p.sha],
];

describe("malformed payloads", () => {
  it.each(cases)("%s.%s with a missing or broken object is survived", async (event, action, breakIt) => {
    const probot = testProbot();
    await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
    const payload = webhookExample(event, action);
    breakIt(payload);
    await expect(probot.receive({ id: `bad-${event}-${action}`, name: event, payload } as any)).resolves.not.toThrow();
    // the app still works: a well-formed delivery after it is taken
    const good = webhookExample("pull_request", "opened");
    await expect(probot.receive({ id: `good-${event}-${action}`, name: "pull_request", payload: good } as any)).resolves.not.toThrow();
    expect((await handle.runtime()!.runtime.store.health()).ok).toBe(true);
  });
});

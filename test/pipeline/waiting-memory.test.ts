import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { liveObjects } from "../helpers/force-gc.js";
import { testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// Issue 10 item 6: while GitHub does not answer, each delivery for a waiting PR must leave
// nothing of itself behind. A Probot delivery brings a Context whose octokit hooks a closure over
// the whole event (payload included); the app used to keep that octokit's graphql (and a child
// logger) per fetch it started, so the payloads of a storm stayed in memory until GitHub answered.

let dataDir: string;
let handle: AppHandle | undefined;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "waiting-memory-"));
  nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" });
});
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
  const probot = testProbot();
  await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
  const live = liveObjects();
  for (let i = 0; i < deliveries; i++) {
    const payload = webhookExample("pull_request", "synchronize", (p) => Boolean(p.installation));
    live.track(payload);
    await probot.receive({ id: `storm-${deliveries}-${i}`, name: "pull_request", payload } as any);
    if (i % Math.ceil(deliveries / windows) === 0) await new Promise((r) => setTimeout(r, 10)); // the window closes
  }
  const { capture } = handle.runtime()!;
  const alive = await live.alive();
  // Two payloads stay whatever N, and neither is the app's: the first delivery's (the test Probot
  // authenticates with a token, so every delivery shares one octokit, whose x-github-delivery hook
  // Probot adds once, closing over the first event) and the last one (still in this function's
  // frame).
  const result = { pending: capture.observer.pending, fetches: gh.queue.length, alivePayloads: alive, others: live.aliveIndexes().filter((i) => i !== 0 && i !== deliveries - 1) };
  await handle.shutdown();
  handle = undefined;
  return result;
}

describe("a PR waiting for GitHub during a storm of deliveries", () => {
  it("keeps no webhook payload alive, and one fetch per PR, however many deliveries arrive", async () => {
    const small = await storm(50, 5);
    const large = await storm(500, 25);
    expect(small).toEqual({ pending: 1, fetches: 1, alivePayloads: 2, others: [] });
    expect(large).toEqual({ pending: 1, fetches: 1, alivePayloads: 2, others: [] });
  });
});

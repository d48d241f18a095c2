import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registerClosed } from "../../src/handlers/closed.js";
import type { Probot } from "probot";
import { closedPullRequestFromPayload, closeOutcome } from "../../src/outcomes/close-outcome.js";
import { DeliveryLog } from "../../src/pipeline/delivery-log.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { serializePoint } from "../../src/store/journal-line.js";
import { allPoints, example, nockInstallationToken, seedRepoConfig, silent, testDeliveries, testProbot, testRuntime } from "../actions/test-runtime.js";

type TestRuntime = Awaited<ReturnType<typeof testRuntime>>;
let runtime: TestRuntime;
let probot: Probot;
let deliveries: DeliveryLog;

beforeEach(async () => {
  runtime = await testRuntime();
  probot = testProbot();
  deliveries = await testDeliveries(runtime);
  registerClosed(probot, runtime, deliveries);
});
afterEach(async () => {
  await deliveries.close();
  await runtime.cleanup();
});

const REPO = "Codertocat/Hello-World";

/** The real pull_request.closed example (closed without merging at 15:21:18, created 15:20:33). */
function closedPayload() {
  return example("pull_request", "closed");
}

/** The same example turned into a merge by `login`, optionally through auto-merge. */
function mergedPayload(mergedAt: string, login: string, autoMerge = false) {
  const payload = closedPayload();
  Object.assign(payload.pull_request, {
    merged: true,
    merged_at: mergedAt,
    closed_at: mergedAt,
    updated_at: mergedAt,
    merged_by: { ...payload.sender, login },
    auto_merge: autoMerge ? { enabled_by: { ...payload.sender, login }, merge_method: "squash", commit_title: "t", commit_message: "m" } : null,
  });
  return payload;
}

describe("registerClosed", () => {
  beforeEach(async () => {
    await seedRepoConfig(runtime, REPO, {});
  });

  it("writes a closed outcome at GitHub's close time for a PR closed without merging", async () => {
    await probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    expect(await allPoints(runtime)).toEqual([
      {
        measurement: "outcome",
        time: new Date("2019-05-15T15:21:18Z"),
        tags: { repo: REPO, pr: "2" },
        fields: { result: "closed", detail: "closed by Codertocat", resolution_hours: 45 / 3600, source: "webhook", delivery_id: "d-1" },
      },
    ]);
  });

  it("writes success with the merger, or auto-merge, at the merge time", async () => {
    await probot.receive({ id: "d-2", name: "pull_request", payload: mergedPayload("2019-05-16T15:20:33Z", "octocat") });
    const autoMerged = mergedPayload("2019-05-17T03:20:33Z", "octocat", true);
    autoMerged.number = autoMerged.pull_request.number = 3;
    await probot.receive({ id: "d-3", name: "pull_request", payload: autoMerged });
    const points = await allPoints(runtime);
    expect(points.map((p) => [p.tags.pr, p.time.toISOString(), p.fields.result, p.fields.detail, p.fields.resolution_hours])).toEqual([
      ["2", "2019-05-16T15:20:33.000Z", "success", "merged by octocat", 24],
      ["3", "2019-05-17T03:20:33.000Z", "success", "merged via auto-merge", 36],
    ]);
  });

  it("writes nothing new when the same close is delivered again", async () => {
    await probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    await probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    // A second delivery id for the same close (e.g. a manual redelivery) is the same outcome too.
    await probot.receive({ id: "d-9", name: "pull_request", payload: closedPayload() });
    expect(await allPoints(runtime)).toHaveLength(1);
  });

  it("writes nothing new when the close is redelivered after a restart", async () => {
    await probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    const restarted = testProbot(); // a new process: nothing in memory, the same journal
    registerClosed(restarted, runtime, deliveries);
    await restarted.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    expect(await allPoints(runtime)).toHaveLength(1);
  });

  it("keeps both outcomes of a PR closed, reopened and merged later", async () => {
    await probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    const reopened = example("pull_request", "reopened");
    await probot.receive({ id: "d-2", name: "pull_request", payload: reopened });
    await probot.receive({ id: "d-3", name: "pull_request", payload: mergedPayload("2019-05-15T18:20:33Z", "Codertocat") });
    const points = await allPoints(runtime);
    expect(points.map((p) => [p.time.toISOString(), p.fields.result, p.fields.detail])).toEqual([
      ["2019-05-15T15:21:18.000Z", "closed", "closed by Codertocat"],
      ["2019-05-15T18:20:33.000Z", "success", "merged by Codertocat"],
    ]);
  });

  it("records nothing for a repository whose pr-telemetry.yml says enabled: false", async () => {
    await seedRepoConfig(runtime, "octo/disabled", { enabled: false });
    const payload = closedPayload();
    payload.repository.full_name = "octo/disabled";
    await probot.receive({ id: "d-1", name: "pull_request", payload });
    expect(await allPoints(runtime)).toEqual([]);
  });
});

describe("registerClosed reading the repository config from GitHub", () => {
  it("reads .github/pr-telemetry.yml once through the installation", async () => {
    const github = nockInstallationToken(nock("https://api.github.com"))
      .get("/repos/Codertocat/Hello-World/contents/.github%2Fpr-telemetry.yml")
      .reply(404, { message: "Not Found" })
      .get("/repos/Codertocat/.github/contents/.github%2Fpr-telemetry.yml")
      .reply(404, { message: "Not Found" });
    await probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });
    await probot.receive({ id: "d-2", name: "pull_request", payload: mergedPayload("2019-05-16T15:20:33Z", "octocat") });
    expect(github.isDone()).toBe(true);
    expect((await allPoints(runtime)).map((p) => p.fields.result)).toEqual(["closed", "success"]);
  });
});

describe("registerClosed while GitHub is slow to give the repository's settings", () => {
  const CONFIG_PATH = "/repos/Codertocat/Hello-World/contents/.github%2Fpr-telemetry.yml";
  const github = (config: unknown) => ({ readConfig: async () => config, getCommit: async () => Promise.reject(new Error("not asked")), log: silent });
  const reopenLog = async () => {
    await deliveries.close();
    deliveries = await testDeliveries(runtime);
    return deliveries.heldRecords();
  };

  it("holds the outcome in the delivery log before it waits, so a crash during the wait loses nothing", async () => {
    let answer!: () => void;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    nockInstallationToken(nock("https://api.github.com"))
      .get(CONFIG_PATH)
      .reply(async () => {
        await gate; // GitHub takes its time
        return [404, { message: "Not Found" }];
      })
      .get("/repos/Codertocat/.github/contents/.github%2Fpr-telemetry.yml")
      .reply(404, { message: "Not Found" });
    const receiving = probot.receive({ id: "d-1", name: "pull_request", payload: closedPayload() });

    // What a restart finds while the first process still waits on GitHub (as if it died now).
    const crashed = new DeliveryLog(deliveries.dir, { log: silent });
    for (let i = 0; i < 100 && crashed.heldRecords().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await crashed.load();
    }
    const held = crashed.heldRecords();
    expect(held.map((r) => [r.id, r.kind, r.installationId, r.owner, r.repo])).toEqual([["d-1:outcome", "outcome", 1, "Codertocat", "Hello-World"]]);
    expect(await allPoints(runtime)).toEqual([]);
    await crashed.close();

    answer();
    await receiving;
    expect((await allPoints(runtime)).map((p) => [p.measurement, p.fields.result, p.fields.delivery_id])).toEqual([["outcome", "closed", "d-1"]]);
    expect(await reopenLog()).toEqual([]); // done: nothing left to resume

    // Had the process died after the write but before the done mark, the next start resumes the
    // record: a new process (fresh caches, recent outcomes from the journal) writes nothing twice.
    const resume = registerClosed(testProbot(), { ...runtime, repoConfigs: new RepoConfigCache(60_000) }, deliveries);
    await resume(held[0]!, github({}));
    expect(await allPoints(runtime)).toHaveLength(1);
  });

  it("records nothing, and holds nothing afterwards, for a repository that disabled itself (read from GitHub)", async () => {
    nockInstallationToken(nock("https://api.github.com"))
      .get(CONFIG_PATH)
      .reply(200, "enabled: false\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    await probot.receive({ id: "d-1", name: "pull_request", payload: mergedPayload("2019-05-16T15:20:33Z", "octocat") });
    expect(await allPoints(runtime)).toEqual([]);
    expect(await reopenLog()).toEqual([]);
  });

  it("a held outcome resumed at start is written once, and not at all when the repository turned out to be disabled", async () => {
    const resume = registerClosed((probot = testProbot()), runtime, deliveries);
    const input = serializePoint(closeOutcome(closedPullRequestFromPayload(closedPayload()), { deliveryId: "d-1" }));
    const record = { id: "d-1:outcome", kind: "outcome" as const, installationId: 1, owner: "Codertocat", repo: "Hello-World", input };

    await resume({ ...record, owner: "octo", repo: "disabled", input: input.replace(REPO, "octo/disabled") }, github({ enabled: false }));
    expect(await allPoints(runtime)).toEqual([]);

    await resume(record, github({}));
    await resume(record, github({}));
    expect((await allPoints(runtime)).map((p) => [p.tags.repo, p.fields.result])).toEqual([[REPO, "closed"]]);
  });
});

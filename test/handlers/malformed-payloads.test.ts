import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint } from "../../src/store/point.js";
import { journalPoints } from "../helpers/journal-points.js";
import { recordingLog } from "../helpers/silent-log.js";
import { TestOctokit } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// Hostile or broken payloads (as issue 10 found them, and more): each is logged with the delivery
// id, the event and the path that is wrong, acknowledged (receive resolves: Probot answers 200),
// and nothing at all is recorded from it, by any handler family.

const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
  fetch: async (_g, targets) => new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t])),
  isMergeableUnknown: () => false,
  toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger }),
};

let dataDir: string;
let handle: AppHandle;
let probot: Probot;
let entries: Array<Record<string, any>>;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "malformed-"));
  // Codertocat sends every example below: as an orchestrator, its events would be recorded as actions too.
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10", FLUSH_INTERVAL_MS: "10", ORCHESTRATOR_LOGINS: "Codertocat", SWEEP_INTERVAL_MINUTES: "0" }, snapshots });
  const recording = recordingLog();
  entries = recording.entries;
  probot = new Probot({ githubToken: "test-token", Octokit: TestOctokit, log: recording.log });
  await probot.load(handle.appFn, { cwd: process.cwd(), addHandler: () => {} });
  nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" });
});
afterEach(async () => {
  await handle.shutdown();
  nock.cleanAll();
  await rm(dataDir, { recursive: true, force: true });
});

/** Every file the app wrote under DATA_DIR that mentions `text` (journal, delivery log, ...). */
async function filesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path, "utf8")).includes(text)) found.push(path);
  }
  return found;
}

type Case = [what: string, event: string, action: string | undefined, breakIt: (p: Record<string, any>) => void, path: string];

const cases: Case[] = [
  ["a numeric repository.full_name", "pull_request", "opened", (p) => (p.repository.full_name = 12345), "repository.full_name"],
  ["a path as repository.full_name", "pull_request", "closed", (p) => (p.repository.full_name = "../../etc/passwd"), "repository.full_name"],
  ["a path as repository name", "pull_request", "synchronize", (p) => (p.repository.name = ".."), "repository.name"],
  ["a path as owner login", "pull_request", "labeled", (p) => (p.repository.owner.login = "../.."), "repository.owner.login"],
  ["an object as sender.login", "pull_request", "closed", (p) => (p.sender.login = {}), "sender.login"],
  ["a login with a space", "issue_comment", "created", (p) => (p.sender.login = "Coder tocat"), "sender.login"],
  ["a negative PR number", "pull_request", "opened", (p) => (p.pull_request.number = -1), "pull_request.number"],
  ["PR number 0", "pull_request", "reopened", (p) => (p.pull_request.number = 0), "pull_request.number"],
  ["a fractional PR number", "pull_request", "labeled", (p) => (p.pull_request.number = 2.5), "pull_request.number"],
  ["a PR number beyond GraphQL's Int", "pull_request", "opened", (p) => (p.pull_request.number = 2 ** 53), "pull_request.number"],
  ["a PR number as a string", "pull_request_review", "submitted", (p) => (p.pull_request.number = "2"), "pull_request.number"],
  ["a closed_at in year 275760", "pull_request", "closed", (p) => (p.pull_request.closed_at = "+275760-09-13T00:00:00.000Z"), "pull_request.closed_at"],
  ["a closed_at past what InfluxDB stores", "pull_request", "closed", (p) => (p.pull_request.closed_at = "9999-12-31T23:59:59Z"), "pull_request.closed_at"],
  ["a created_at before what InfluxDB stores", "pull_request", "closed", (p) => (p.pull_request.created_at = "1500-01-01T00:00:00Z"), "pull_request.created_at"],
  ["a merged_at that is not a time", "pull_request", "closed", (p) => (p.pull_request.merged_at = "yesterday"), "pull_request.merged_at"],
  ["a comment time on the 45th of the 13th month", "issue_comment", "created", (p) => (p.comment.created_at = "2019-13-45T10:00:00Z"), "comment.created_at"],
  ["a numeric time", "pull_request", "labeled", (p) => (p.pull_request.updated_at = 1557933633), "pull_request.updated_at"],
  ["a head_sha that is not a SHA", "check_run", "completed", (p) => (p.check_run.head_sha = "not-a-sha"), "check_run.head_sha"],
  ["a check's PR number 0", "check_suite", "completed", (p) => (p.check_suite.pull_requests = [{ number: 0 }]), "check_suite.pull_requests.0.number"],
  ["a numeric status sha", "status", undefined, (p) => (p.sha = 12345), "sha"],
  ["a pushed commit that is a ref", "pull_request", "synchronize", (p) => (p.after = "HEAD~1"), "after"],
  ["an installation id as a string", "pull_request", "opened", (p) => (p.installation = { id: "1" }), "installation.id"],
  // objects an event carries, missing or replaced
  ["no pull_request", "pull_request", "closed", (p) => delete p.pull_request, "pull_request"],
  ["a pull_request with only a number", "pull_request", "closed", (p) => (p.pull_request = { number: 2 }), "pull_request.created_at"],
  ["no repository", "pull_request", "synchronize", (p) => delete p.repository, "repository"],
  ["no comment", "issue_comment", "created", (p) => delete p.comment, "comment"],
  ["a null pull_request", "pull_request_review", "submitted", (p) => (p.pull_request = null), "pull_request"],
  ["a string as check_run", "check_run", "completed", (p) => (p.check_run = "nonsense"), "check_run"],
  ["no sha", "status", undefined, (p) => delete p.sha, "sha"],
];

describe("malformed webhook payloads", () => {
  it.each(cases)("%s (%s.%s): logged with the path, acknowledged, nothing recorded", async (_what, event, action, breakIt, path) => {
    const payload = webhookExample(event, action);
    breakIt(payload);
    const id = `bad-${event}-${action}-${path}`;
    await expect(probot.receive({ id, name: event, payload } as any)).resolves.toBeUndefined();

    const logged = entries.find((e) => e["delivery"] === id && String(e["msg"]).startsWith("malformed"));
    expect(logged, JSON.stringify(entries.map((e) => e["msg"]))).toMatchObject({
      level: 50,
      event: action ? `${event}.${action}` : event,
      problems: expect.arrayContaining([expect.objectContaining({ path, expected: expect.any(String), got: expect.any(String) })]),
    });
    await handle.shutdown();
    expect((await journalPoints(dataDir)).points).toEqual([]);
    expect(await filesMentioning(id)).toEqual([]);
  });

  it("the intact payloads are recorded (so the cases above would see a write)", async () => {
    const closed = webhookExample("pull_request", "closed");
    await probot.receive({ id: "good-closed", name: "pull_request", payload: closed } as any);
    await handle.shutdown();
    const measurements = (await journalPoints(dataDir)).points.map((p) => p.measurement).sort();
    expect(measurements).toEqual(["action_taken", "outcome", "pr_observation"]);
    expect(entries.filter((e) => String(e["msg"]).startsWith("malformed"))).toEqual([]);
  });

  it("a malformed delivery does not stop the next well-formed one", async () => {
    const bad = webhookExample("pull_request", "opened");
    bad.repository.full_name = 12345;
    await probot.receive({ id: "bad", name: "pull_request", payload: bad } as any);
    await probot.receive({ id: "good", name: "pull_request", payload: webhookExample("pull_request", "opened") } as any);
    await handle.shutdown();
    expect((await journalPoints(dataDir)).points.map((p) => [p.measurement, p.tags["repo"], p.tags["pr"]])).toEqual([["pr_observation", "Codertocat/Hello-World", "2"]]);
  });
});

describe("a bug in our own handler code", () => {
  it("fails the delivery (so GitHub shows it and it can be redelivered) instead of passing for a malformed payload", async () => {
    // A TypeError from our code, after the payload passed its checks: the store's write breaks.
    handle.runtime()!.runtime.store.write = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'fields')");
    };
    await expect(probot.receive({ id: "d-bug", name: "pull_request", payload: webhookExample("pull_request", "closed") } as any)).rejects.toThrow(
      "Cannot read properties of undefined (reading 'fields')",
    );
    expect(entries.filter((e) => String(e["msg"]).startsWith("malformed"))).toEqual([]);
  });
});

import nock from "nock";
import type { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inferredTime } from "../../src/actions/inferred-time.js";
import { registerInferredActions } from "../../src/handlers/inferred-actions.js";
import { DeliveryLog } from "../../src/pipeline/delivery-log.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { allPoints, example, nockInstallationToken, seedRepoConfig, silent, testDeliveries, testProbot, testRuntime } from "../actions/test-runtime.js";

type TestRuntime = Awaited<ReturnType<typeof testRuntime>>;
let runtime: TestRuntime;
let probot: Probot;

const REPO = "Codertocat/Hello-World";
const ORCHESTRATOR = "core-orchestrator[bot]";

let deliveries: DeliveryLog;

beforeEach(async () => {
  runtime = await testRuntime({ ORCHESTRATOR_LOGINS: `someone-else, ${ORCHESTRATOR}` });
  probot = testProbot();
  deliveries = await testDeliveries(runtime);
  registerInferredActions(probot, runtime, deliveries);
});
afterEach(async () => {
  await deliveries.close();
  await runtime.cleanup();
});

function as<T extends { sender: { login: string } }>(payload: T, login: string): T {
  payload.sender.login = login;
  return payload;
}

/** The real issue_comment.created example, moved onto PR #1 (GitHub sets issue.pull_request for PRs). */
function prComment(body: string, login = ORCHESTRATOR) {
  const payload = example("issue_comment", "created", 3);
  payload.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/1`, html_url: "", diff_url: "", patch_url: "", merged_at: null };
  payload.comment.body = body;
  return as(payload, login);
}

function autoMergeEnabled(login = ORCHESTRATOR) {
  const payload = example("pull_request", "labeled");
  delete payload.label;
  payload.action = "auto_merge_enabled";
  payload.reason = "";
  payload.pull_request.updated_at = "2019-05-15T15:25:00Z";
  payload.pull_request.auto_merge = { enabled_by: payload.sender, merge_method: "squash", commit_title: "t", commit_message: "m" };
  return as(payload, login);
}

function synchronize(login = ORCHESTRATOR) {
  const payload = example("pull_request", "synchronize");
  payload.before = "1111111111111111111111111111111111111111";
  payload.after = "3333333333333333333333333333333333333333";
  payload.pull_request.base.sha = "2222222222222222222222222222222222222222";
  payload.pull_request.updated_at = "2019-05-15T15:30:00Z";
  return as(payload, login);
}

/** GET /repos/{owner}/{repo}/git/commits/{sha} as GitHub answers it. */
function gitCommit(sha: string, message: string, parents: string[]) {
  const url = `https://api.github.com/repos/${REPO}/git/commits/${sha}`;
  const person = { name: "Orchestrator", email: "o@example.com", date: "2019-05-15T15:29:59Z" };
  return {
    sha,
    node_id: "C_kwDOAAAB",
    url,
    html_url: `https://github.com/${REPO}/commit/${sha}`,
    author: person,
    committer: person,
    message,
    tree: { sha: "4444444444444444444444444444444444444444", url: `https://api.github.com/repos/${REPO}/git/trees/4444` },
    parents: parents.map((p) => ({ sha: p, url: `https://api.github.com/repos/${REPO}/git/commits/${p}`, html_url: `https://github.com/${REPO}/commit/${p}` })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

function mergedBy(login: string, autoMerge: boolean) {
  const payload = example("pull_request", "closed");
  Object.assign(payload.pull_request, { merged: true, merged_at: "2019-05-15T16:00:00Z", closed_at: "2019-05-15T16:00:00Z", auto_merge: autoMerge ? { enabled_by: payload.sender, merge_method: "merge", commit_title: "", commit_message: "" } : null });
  return as(payload, login);
}

const actions = async () =>
  (await allPoints(runtime)).map((p) => ({ time: p.time.toISOString(), pr: p.tags.pr, action: p.fields.action, reason: p.fields.reason, source: p.fields.source, actor: p.fields.actor }));

describe("registerInferredActions for an orchestrator in ORCHESTRATOR_LOGINS", () => {
  beforeEach(async () => {
    await seedRepoConfig(runtime, REPO, {});
  });

  it("classifies PR comments by the default patterns, else comment", async () => {
    const bodies = ["@jules please resolve the merge conflicts with main", "@jules address the review comments from CodeRabbit", "Status?"];
    for (const [i, body] of bodies.entries()) {
      const payload = prComment(body);
      payload.comment.id = 100 + i;
      await probot.receive({ id: `c${i}`, name: "issue_comment", payload });
    }
    // GitHub's time (whole seconds) plus a stable offset per comment: three distinct identities.
    const time = (id: number) => inferredTime("2019-05-15T15:20:21Z", `comment:${id}`).toISOString();
    expect(new Set([time(100), time(101), time(102)]).size).toBe(3);
    expect(await actions()).toEqual([
      { time: time(100), pr: "1", action: "request_conflict_fix", reason: bodies[0], source: "inferred", actor: ORCHESTRATOR },
      { time: time(101), pr: "1", action: "request_review_fix", reason: bodies[1], source: "inferred", actor: ORCHESTRATOR },
      { time: time(102), pr: "1", action: "comment", reason: "Status?", source: "inferred", actor: ORCHESTRATOR },
    ]);
    expect(time(100).startsWith("2019-05-15T15:20:21.")).toBe(true);
    const [first] = await allPoints(runtime);
    expect(first!.fields.delivery_id).toBe("c0");
  });

  it("ignores comments on issues that are not pull requests", async () => {
    const payload = prComment("please fix the conflicts");
    delete payload.issue.pull_request;
    await probot.receive({ id: "c1", name: "issue_comment", payload });
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("maps auto_merge_enabled, review_requested, labeled and closed", async () => {
    await probot.receive({ id: "e1", name: "pull_request", payload: autoMergeEnabled() });
    await probot.receive({ id: "e2", name: "pull_request", payload: as(example("pull_request", "review_requested"), ORCHESTRATOR) });
    await probot.receive({ id: "e3", name: "pull_request", payload: as(example("pull_request", "labeled"), ORCHESTRATOR) });
    await probot.receive({ id: "e4", name: "pull_request", payload: as(example("pull_request", "closed"), ORCHESTRATOR) });
    expect((await actions()).map((a) => [a.time.slice(0, 19), a.action, a.reason, a.actor])).toEqual([
      ["2019-05-15T15:25:00", "enable_auto_merge", "auto-merge (squash)", ORCHESTRATOR],
      ["2019-05-15T15:20:33", "request_review", "review requested from octocat", ORCHESTRATOR],
      ["2019-05-15T15:20:35", "label", "label bug", ORCHESTRATOR],
      ["2019-05-15T15:21:18", "close", "closed without merging", ORCHESTRATOR],
    ]);
  });

  it("records a merge by the orchestrator, but not one done by auto-merge (enabling it was the action)", async () => {
    await probot.receive({ id: "m1", name: "pull_request", payload: mergedBy(ORCHESTRATOR, false) });
    const autoMerged = mergedBy(ORCHESTRATOR, true);
    autoMerged.number = autoMerged.pull_request.number = 5;
    await probot.receive({ id: "m2", name: "pull_request", payload: autoMerged });
    expect((await actions()).map((a) => [a.pr, a.action])).toEqual([["2", "merge"]]);
  });

  it("records update_branch when the pushed head merges the base into the old head (one REST call)", async () => {
    const github = nockInstallationToken(nock("https://api.github.com"))
      .get(`/repos/${REPO}/git/commits/3333333333333333333333333333333333333333`)
      .reply(200, gitCommit("3333333333333333333333333333333333333333", "Merge branch 'master' into changes", ["1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"]));
    await probot.receive({ id: "s1", name: "pull_request", payload: synchronize() });
    expect(github.isDone()).toBe(true);
    expect((await actions()).map((a) => [a.time.slice(0, 19), a.action, a.reason])).toEqual([["2019-05-15T15:30:00", "update_branch", "merged master into changes"]]);
  });

  it("records nothing for an ordinary push by the orchestrator", async () => {
    const github = nockInstallationToken(nock("https://api.github.com"))
      .get(`/repos/${REPO}/git/commits/3333333333333333333333333333333333333333`)
      .reply(200, gitCommit("3333333333333333333333333333333333333333", "Fix the typo", ["1111111111111111111111111111111111111111"]));
    await probot.receive({ id: "s1", name: "pull_request", payload: synchronize() });
    expect(github.isDone()).toBe(true);
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("logs and records nothing when the pushed commit cannot be read", async () => {
    const github = nockInstallationToken(nock("https://api.github.com"))
      .get(`/repos/${REPO}/git/commits/3333333333333333333333333333333333333333`)
      .reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/commits#get-a-commit-object", status: "404" });
    const warnings: unknown[] = [];
    probot.log.warn = ((obj: unknown) => void warnings.push(obj)) as typeof probot.log.warn;
    await probot.receive({ id: "s1", name: "pull_request", payload: synchronize() });
    expect(github.isDone()).toBe(true);
    expect(await allPoints(runtime)).toEqual([]);
    expect(warnings).toMatchObject([{ repo: REPO, pr: 2, status: 404 }]);
  });

  it("writes nothing new for a redelivered event", async () => {
    await probot.receive({ id: "e3", name: "pull_request", payload: as(example("pull_request", "labeled"), ORCHESTRATOR) });
    await probot.receive({ id: "e3", name: "pull_request", payload: as(example("pull_request", "labeled"), ORCHESTRATOR) });
    expect(await allPoints(runtime)).toHaveLength(1);
  });

  it("counts the inferred attempts", async () => {
    await probot.receive({ id: "c1", name: "issue_comment", payload: prComment("rebase onto main please") });
    const second = prComment("the conflicts are back, please fix them");
    second.comment.id = 492700401;
    second.comment.created_at = "2019-05-16T09:00:00Z";
    await probot.receive({ id: "c2", name: "issue_comment", payload: second });
    expect(await runtime.attempts.get(REPO, 1)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 0 });
  });
});

describe("registerInferredActions for other senders", () => {
  it("records nothing for any event kind sent by a login that is not an orchestrator", async () => {
    await seedRepoConfig(runtime, REPO, {});
    const other = "Codertocat";
    await probot.receive({ id: "o1", name: "issue_comment", payload: prComment("please resolve the conflicts", other) });
    await probot.receive({ id: "o2", name: "pull_request", payload: autoMergeEnabled(other) });
    await probot.receive({ id: "o3", name: "pull_request", payload: as(example("pull_request", "review_requested"), other) });
    await probot.receive({ id: "o4", name: "pull_request", payload: synchronize(other) }); // no REST call: nock would refuse it
    await probot.receive({ id: "o5", name: "pull_request", payload: as(example("pull_request", "closed"), other) });
    await probot.receive({ id: "o6", name: "pull_request", payload: as(example("pull_request", "labeled"), other) });
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("treats `orchestrators:` in .github/pr-telemetry.yml as orchestrators, with the repo's own comment patterns", async () => {
    const yml = ["orchestrators:", "  - Codertocat", "action_patterns:", "  wait:", "    - '^waiting\\b'", "  request_review_fix:", "    - 'nitpicks'", ""].join("\n");
    const github = nockInstallationToken(nock("https://api.github.com"))
      .get(`/repos/${REPO}/contents/.github%2Fpr-telemetry.yml`)
      .reply(200, yml, { "content-type": "text/plain; charset=utf-8" });
    const first = prComment("Waiting for checks", "codertocat");
    await probot.receive({ id: "r1", name: "issue_comment", payload: first });
    const second = prComment("handle the nitpicks", "Codertocat");
    second.comment.id = 2;
    await probot.receive({ id: "r2", name: "issue_comment", payload: second });
    const third = prComment("fix conflicts", "Codertocat");
    third.comment.id = 3;
    await probot.receive({ id: "r3", name: "issue_comment", payload: third });
    expect(github.isDone()).toBe(true);
    expect((await actions()).map((a) => [a.action, a.actor])).toEqual([
      ["wait", "codertocat"],
      ["request_review_fix", "Codertocat"],
      ["request_conflict_fix", "Codertocat"],
    ]);
  });
});

describe("registerInferredActions while GitHub is slow to give the repository's settings", () => {
  const CONFIG_PATH = `/repos/${REPO}/contents/.github%2Fpr-telemetry.yml`;
  const reopenLog = async () => {
    await deliveries.close();
    deliveries = await testDeliveries(runtime);
    return deliveries.heldRecords();
  };

  it("records nothing, and leaves nothing held, for a repository that disabled itself", async () => {
    nockInstallationToken(nock("https://api.github.com"))
      .get(CONFIG_PATH)
      .reply(200, "enabled: false\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    await probot.receive({ id: "m1", name: "pull_request", payload: mergedBy(ORCHESTRATOR, false) });
    expect(await allPoints(runtime)).toEqual([]);
    expect(await reopenLog()).toEqual([]);
  });

  it("holds a comment before it waits; resumed after a crash, it is classified with the repository's own orchestrators and patterns", async () => {
    let answer!: () => void;
    const gate = new Promise<void>((resolve) => (answer = resolve));
    nockInstallationToken(nock("https://api.github.com"))
      .get(CONFIG_PATH)
      .reply(async () => {
        await gate;
        return [502, { message: "Server Error" }]; // the first process learns nothing: its read fails late
      });
    const receiving = probot.receive({ id: "c1", name: "issue_comment", payload: prComment("/fix-review please", "repo-bot") });

    const crashed = new DeliveryLog(deliveries.dir, { log: silent });
    for (let i = 0; i < 100 && crashed.heldRecords().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      await crashed.load();
    }
    const held = crashed.heldRecords();
    expect(held.map((r) => [r.id, r.kind, r.owner, r.repo])).toEqual([["c1:action", "action", "Codertocat", "Hello-World"]]);
    await crashed.close();

    // The next start: a new process reads the settings (GitHub answers now) and writes the action.
    const resume = registerInferredActions(testProbot(), { ...runtime, repoConfigs: new RepoConfigCache(60_000) }, deliveries);
    const settings = { orchestrators: ["repo-bot"], action_patterns: { request_review_fix: ["^/fix-review"] } };
    await resume(held[0]!, { readConfig: async () => settings, getCommit: () => Promise.reject(new Error("not asked")), log: silent });
    expect((await actions()).map((a) => [a.pr, a.action, a.actor])).toEqual([["1", "request_review_fix", "repo-bot"]]);

    answer();
    await receiving;
    expect(await allPoints(runtime)).toHaveLength(1);

    // Had that process died after the write but before the done mark, the start after it resumes
    // the record again: the journal's recent actions tell it the action is already there.
    const again = registerInferredActions(testProbot(), { ...runtime, repoConfigs: new RepoConfigCache(60_000) }, deliveries);
    await again(held[0]!, { readConfig: async () => settings, getCommit: () => Promise.reject(new Error("not asked")), log: silent });
    expect(await allPoints(runtime)).toHaveLength(1);
  });
});

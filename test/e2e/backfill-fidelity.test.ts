import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../src/store/point.js";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { appCredentials, runCliProcess } from "../helpers/app-process.js";
import type { FakePullRequest, FakeRepo } from "../helpers/fake-github/index.js";
import { journalPoints } from "../helpers/journal-points.js";
import { startE2e, type E2e } from "./e2e-harness.js";

/** Waits for the next whole second: GitHub's times have whole seconds, so each step gets its own. */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 5);
}

const ORC = "orc";
const of = (points: Point[], measurement: string, pr: FakePullRequest) =>
  points.filter((p) => p.measurement === measurement && p.tags["repo"] === pr.repo.fullName && p.tags["pr"] === String(pr.number));

// A scripted set of pull-request lives is captured live by the real app (signed webhooks), then
// `pr-telemetry backfill` (the CLI, as a user runs it, with the app's credentials) rebuilds them
// from the same fake GitHub into a fresh DATA_DIR. Every live observation must agree, field by
// field, with the newest reconstructed observation at or before it (on every field the backfill
// records), and every outcome and inferred action must be the live one.
describe("backfill fidelity: what the backfill rebuilds is what live capture recorded", () => {
  let e: E2e;
  let rocket: FakeRepo;
  let big: FakeRepo;
  const prs: FakePullRequest[] = [];
  let fresh: string;

  beforeAll(async () => {
    e = await startE2e({ env: { ORCHESTRATOR_LOGINS: ORC } });
    rocket = e.gh.model.addRepo("acme/rocket", { requiredApprovals: 1, requiredChecks: ["build"] });
    big = e.gh.model.addRepo("acme/big", { requiredApprovals: 0, installationId: rocket.installationId });
    fresh = await mkdtemp(join(tmpdir(), "backfill-fresh-"));
  });
  afterAll(async () => {
    await e?.close();
    if (fresh) await rm(fresh, { recursive: true, force: true });
  });

  it("captures the lives live, backfills them, and both agree", async () => {
    const m = e.gh.model;
    const p = e.payloads;
    const orc = m.user(ORC);
    const alice = m.user("alice");

    // Three lives, stepped together: A (draft to auto-merge), B (closed, reopened, force-pushed,
    // merged by hand), C (a fork PR whose author deleted their account, merged by the orchestrator).
    const a = m.openPullRequest(rocket, { author: "jules[bot]", draft: true });
    const b = m.openPullRequest(rocket, { author: "dev" });
    const c = m.openPullRequest(rocket, { author: "ghost", fromFork: true });
    prs.push(a, b, c);
    await e.deliver(p.pullRequest(a, "opened"), p.pullRequest(b, "opened"), p.pullRequest(c, "opened"));
    await Promise.all([e.waitForTruth(a), e.waitForTruth(b), e.waitForTruth(c)]);

    let buildA = a.repo.checkRuns[0]!; // set in the first step
    const steps: Array<() => Promise<unknown>> = [
      async () => {
        m.markReadyForReview(a);
        buildA = m.addCheckRun(a, "build");
        m.close(b, orc);
        await e.deliver(p.pullRequest(a, "ready_for_review"), p.pullRequest(b, "closed", { sender: orc }), p.checkRun(a, buildA, "created"));
      },
      async () => {
        m.completeCheckRun(buildA, "FAILURE");
        const lint = m.setStatus(a, "ci/lint", "FAILURE");
        m.reopen(b);
        const run = m.completeCheck(c, "build", "SUCCESS");
        await e.deliver(p.checkRun(a, buildA, "completed"), p.status(a, lint), p.pullRequest(b, "reopened"), p.checkRun(c, run));
      },
      async () => {
        m.requestReview(a, alice, orc);
        m.forcePush(b);
        await e.deliver(p.pullRequest(a, "review_requested", { sender: orc, requestedReviewer: alice }), p.pullRequest(b, "synchronize"));
      },
      async () => {
        const changes = m.submitReview(a, alice, "CHANGES_REQUESTED");
        const run = m.completeCheck(b, "build", "SUCCESS");
        await e.deliver(p.pullRequestReview(a, changes), p.checkRun(b, run));
      },
      async () => {
        const comment = m.addComment(a, orc, "Please address the review comments");
        await e.deliver(p.issueComment(a, comment));
      },
      async () => {
        m.updateBranch(a, orc); // the orchestrator merges the base into the head
        m.merge(c, orc);
        await e.deliver(p.pullRequest(a, "synchronize", { sender: orc }), p.pullRequest(c, "closed", { sender: orc }));
      },
      async () => {
        buildA = m.completeCheck(a, "build", "SUCCESS");
        const lint = m.setStatus(a, "ci/lint", "SUCCESS");
        m.addLabel(a, "ready-to-merge", orc);
        await e.deliver(p.checkRun(a, buildA, "completed"), p.status(a, lint), p.pullRequest(a, "labeled", { sender: orc, label: "ready-to-merge" }));
      },
      async () => {
        const approval = m.submitReview(a, alice, "APPROVED");
        const bob = m.submitReview(a, "bob", "APPROVED");
        await e.deliver(p.pullRequestReview(a, approval), p.pullRequestReview(a, bob));
        return bob;
      },
      async () => {
        const bob = a.reviews.find((r) => r.author.login === "bob")!;
        m.dismissReview(a, bob, orc);
        await e.deliver(p.pullRequestReview(a, bob, "dismissed"));
      },
      async () => {
        m.enableAutoMerge(a, orc);
        m.merge(b, alice);
        await e.deliver(p.pullRequest(a, "auto_merge_enabled", { sender: orc }), p.pullRequest(b, "closed", { sender: alice }));
      },
      async () => {
        m.merge(a);
        await e.deliver(p.pullRequest(a, "closed", { sender: orc }));
      },
    ];
    for (const step of steps) {
      await nextSecond();
      await step();
      await e.waitIdle();
      for (const pr of [a, b, c]) await e.waitForTruth(pr, { since: new Date(0) });
    }

    // D: pagination. More than 100 timeline items (labels) and 120 check runs on its head commit.
    await nextSecond();
    const d = m.openPullRequest(big, { author: "dev" });
    prs.push(d);
    await e.deliver(p.pullRequest(d, "opened"));
    await e.waitForTruth(d);
    await nextSecond();
    for (let i = 0; i < 105; i++) m.addLabel(d, `l${i}`);
    let last = m.completeCheck(d, "check-0", "SUCCESS");
    for (let i = 1; i < 120; i++) last = m.completeCheck(d, `check-${i}`, i % 10 === 0 ? "FAILURE" : "SUCCESS");
    await e.deliver(p.checkRun(d, last));
    expect((await e.waitForTruth(d)).fields).toMatchObject({ checks_total: 120, checks_failing: 11 });
    await e.waitIdle();
    await sleep(300);

    // The backfill, as a user runs it, into a fresh DATA_DIR; a repository that does not exist fails, the others complete.
    const run = await runCliProcess(["backfill", "--since", "1d", "--state", "all", "--json", "--repo", "acme/rocket", "--repo", "acme/big", "--repo", "acme/missing"], {
      githubHost: e.gh.host,
      dataDir: fresh,
      env: { ORCHESTRATOR_LOGINS: ORC },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/acme\/missing failed: /);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ repos: 2, prsFound: 4, prsDone: 4 });

    const live = (await e.points()).filter((x) => x.tags["repo"]?.startsWith("acme/"));
    const rebuilt = (await journalPoints(fresh)).points;

    // Observations: the newest reconstructed one at or before each live one agrees on every field it has.
    const diffs: string[] = [];
    let compared = 0;
    for (const pr of prs) {
      const mine = of(rebuilt, "pr_observation", pr).sort((x, y) => x.time.getTime() - y.time.getTime());
      expect(mine.length, `reconstructed observations of #${pr.number}`).toBeGreaterThan(0);
      for (const obs of mine) {
        expect(obs.fields["reconstructed"]).toBe(true);
        expect(String(obs.fields["trigger"])).toMatch(/^backfill\./);
        for (const f of ["merge_state", "mergeable", "threads_total", "threads_unresolved", "last_activity_hours", "additions", "deletions", "changed_files", "review_decision", "delivery_id"]) {
          expect(obs.fields, `${f} is left out`).not.toHaveProperty(f);
        }
      }
      for (const l of of(live, "pr_observation", pr)) {
        const b = mine.filter((x) => x.time <= l.time).at(-1);
        if (!b) {
          diffs.push(`${pr.repo.fullName}#${pr.number} ${l.time.toISOString()} (${String(l.fields["trigger"])}): no reconstructed observation at or before it`);
          continue;
        }
        compared++;
        expect(b.tags).toEqual(l.tags);
        for (const [k, v] of Object.entries(b.fields)) {
          if (k === "trigger" || k === "reconstructed") continue;
          if (!isDeepStrictEqual(l.fields[k], v)) diffs.push(`${pr.repo.fullName}#${pr.number} live ${l.time.toISOString()} (${String(l.fields["trigger"])}) vs backfill ${b.time.toISOString()} (${String(b.fields["trigger"])}): ${k} ${JSON.stringify(l.fields[k])} != ${JSON.stringify(v)}`);
        }
      }
    }
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(20);
    expect(of(rebuilt, "pr_observation", d).at(-1)!.fields).toMatchObject({ checks_total: 120, checks_failing: 11, checks_passing: 109 });
    expect(of(rebuilt, "pr_observation", c)[0]!.tags["author"]).toBe("ghost");
    expect(of(rebuilt, "pr_observation", b).some((o) => o.fields["trigger"] === "backfill.pull_request.reopened")).toBe(true);

    // Outcomes: the same points (identity and fields), but for the source.
    const outcome = (x: Point) => ({ pr: x.tags["pr"], time: x.time.toISOString(), result: x.fields["result"], detail: x.fields["detail"], resolution_hours: x.fields["resolution_hours"] });
    const liveOutcomes = prs.flatMap((pr) => of(live, "outcome", pr)).map(outcome);
    expect(liveOutcomes).toHaveLength(4); // B closed, then A, B, C merged
    expect(prs.flatMap((pr) => of(rebuilt, "outcome", pr)).map(outcome).sort(byJson)).toEqual(liveOutcomes.sort(byJson));

    // Inferred actions: the same identities, actions and actors (the timeline does not keep auto-merge's merge method for the reason).
    const action = (x: Point) => ({ pr: x.tags["pr"], time: x.time.toISOString(), action: x.fields["action"], actor: x.fields["actor"], reason: x.fields["action"] === "enable_auto_merge" ? "-" : x.fields["reason"] });
    const liveActions = prs.flatMap((pr) => of(live, "action_taken", pr)).map(action);
    expect(liveActions.map((x) => x.action).sort()).toEqual(["close", "enable_auto_merge", "label", "merge", "request_review", "request_review_fix", "update_branch"]);
    expect(prs.flatMap((pr) => of(rebuilt, "action_taken", pr)).map(action).sort(byJson)).toEqual(liveActions.sort(byJson));
    expect(rebuilt.filter((x) => x.measurement === "action_taken").every((x) => x.fields["source"] === "backfill")).toBe(true);

    // Run again (in-process this time, the same command): nothing new (checkpoints and point identities).
    const args = ["backfill", "--since", "1d", "--state", "all", "--json", "--repo", "acme/rocket", "--repo", "acme/big"];
    const again = memoryIo(cliEnv(fresh));
    expect(await runCli(args, again), again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ prsFound: 4, prsSkipped: 4, observationsWritten: 0, outcomesWritten: 0, actionsWritten: 0 });
    expect((await journalPoints(fresh)).points).toHaveLength(rebuilt.length);

    // Into the live DATA_DIR: what live capture recorded is not written again.
    const before = (await e.points()).length;
    const onLive = memoryIo(cliEnv(e.app.dataDir));
    expect(await runCli(args, onLive), onLive.err).toBe(0);
    expect(JSON.parse(onLive.out)).toMatchObject({ observationsWritten: 0, outcomesWritten: 0, actionsWritten: 0 });
    expect((await e.points()).length).toBe(before);
  }, 120_000);

  function cliEnv(dataDir: string): NodeJS.ProcessEnv {
    const creds = appCredentials();
    return { APP_ID: String(creds.appId), PRIVATE_KEY: creds.privateKey, GHE_HOST: e.gh.host, GHE_PROTOCOL: "http", DATA_DIR: dataDir, ORCHESTRATOR_LOGINS: ORC };
  }
});

function byJson(x: unknown, y: unknown): number {
  return JSON.stringify(x) < JSON.stringify(y) ? -1 : 1;
}

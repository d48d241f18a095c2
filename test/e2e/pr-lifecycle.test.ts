import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakePullRequest, FakeRepo } from "../helpers/fake-github/index.js";
import { observationsOf } from "../helpers/journal-points.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// The real app (node --import tsx src/main.ts) against the fake GitHub, one PR's whole life, step
// by step: after every step the newest observation equals what the model says is true.
describe("a pull request's whole life, end to end", () => {
  let e: E2e;
  let repo: FakeRepo;
  let pr: FakePullRequest;

  beforeAll(async () => {
    e = await startE2e();
    repo = e.gh.model.addRepo("acme/rocket", { requiredApprovals: 1, requiredChecks: ["build"] });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("records every step as GitHub has it, bots and hostile strings included", async () => {
    const m = e.gh.model;
    const p = e.payloads;

    // 1. Opened as a draft by a bot, with a branch name and title full of separators.
    pr = m.openPullRequest(repo, { author: "jules[bot]", draft: true, title: 'Fix "quotes", commas, = and spaces 🚀 \\', headRef: "jules/fix-a,b=c d\\" });
    await e.deliver(p.pullRequest(pr, "opened"));
    const first = await e.waitForTruth(pr);
    expect(first.tags).toEqual({ repo: "acme/rocket", pr: String(pr.number), author: "jules[bot]" });
    expect(first.fields).toMatchObject({ is_draft: true, merge_state: "DRAFT", head_ref: "jules/fix-a,b=c d\\", trigger: "pull_request.opened" });

    // 2. Ready for review.
    m.markReadyForReview(pr);
    await e.deliver(p.pullRequest(pr, "ready_for_review"));
    await e.waitForTruth(pr);

    // 3. Checks fail: a check run, and a commit status (status payloads never name the PR).
    const build = m.addCheckRun(pr, "build");
    await e.deliver(p.checkRun(pr, build, "created"));
    m.completeCheckRun(build, "FAILURE");
    const lint = m.setStatus(pr, "ci/lint", "FAILURE");
    await e.deliver(p.checkRun(pr, build, "completed"), p.status(pr, lint));
    expect((await e.waitForTruth(pr)).fields).toMatchObject({ checks_failing: 2, checks_total: 2, merge_state: "BLOCKED" });

    // 4. Changes requested, with an unresolved thread.
    const thread = m.addReviewThread(pr, "alice", { body: "This breaks, please fix" });
    const changes = m.submitReview(pr, "alice", "CHANGES_REQUESTED", "See the thread");
    await e.deliver(p.pullRequestReview(pr, changes));
    expect((await e.waitForTruth(pr)).fields).toMatchObject({ reviews_changes_requested: 1, threads_unresolved: 1, review_decision: "CHANGES_REQUESTED" });

    // 5. A new push: new head, no checks yet, and GitHub computes mergeability again (UNKNOWN for a read).
    m.unknownReadsAfterPush = 1;
    m.pushCommit(pr, { additions: 5, deletions: 1 });
    m.unknownReadsAfterPush = 0;
    await e.deliver(p.pullRequest(pr, "synchronize"));
    const pushed = await e.waitForTruth(pr);
    expect(pushed.fields).toMatchObject({ commits: 2, checks_total: 0, head_sha: m.headSha(pr), mergeable: true });

    // 6. Checks pass on the new head.
    const build2 = m.completeCheck(pr, "build", "SUCCESS");
    const lint2 = m.setStatus(pr, "ci/lint", "SUCCESS");
    await e.deliver(p.checkRun(pr, build2, "completed"), p.checkSuite(pr, build2), p.status(pr, lint2));
    expect((await e.waitForTruth(pr)).fields).toMatchObject({ checks_passing: 2, checks_failing: 0 });

    // 7. Approved.
    const approval = m.submitReview(pr, "alice", "APPROVED");
    await e.deliver(p.pullRequestReview(pr, approval));
    expect((await e.waitForTruth(pr)).fields).toMatchObject({ reviews_approved: 1, reviews_changes_requested: 0, review_decision: "APPROVED" });

    // 8. The thread resolved.
    m.resolveThread(pr, thread);
    await e.deliver(p.reviewThread(pr, thread, "resolved"));
    expect((await e.waitForTruth(pr)).fields).toMatchObject({ threads_unresolved: 0, threads_total: 1, merge_state: "CLEAN" });

    // 9. Auto-merge enabled.
    m.enableAutoMerge(pr, "alice");
    await e.deliver(p.pullRequest(pr, "auto_merge_enabled", { sender: m.user("alice") }));
    expect((await e.waitForTruth(pr)).fields).toMatchObject({ auto_merge_enabled: true });

    // 10. Merged.
    m.merge(pr);
    await e.deliver(p.pullRequest(pr, "closed", { sender: m.user("alice") }));
    const merged = await e.waitForTruth(pr);
    expect(merged.fields).toMatchObject({ state: "MERGED" });
    expect(merged.fields).not.toHaveProperty("mergeable");

    const points = await e.points();
    const observations = observationsOf(points, repo.fullName, pr.number);
    // Every step made at least one observation, and no step more than a few (coalescing).
    expect(observations.length).toBeGreaterThanOrEqual(10);
    expect(observations.length).toBeLessThanOrEqual(16);
    expect(new Set(observations.map((o) => o.time.toISOString())).size).toBe(observations.length);
  });
});

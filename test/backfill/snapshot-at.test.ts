import { describe, expect, it } from "vitest";
import type { HistoryItem, PullRequestHistory } from "../../src/github/pull-request-history.js";
import { ALWAYS_LEFT_OUT, snapshotAt } from "../../src/backfill/snapshot-at.js";
import type { SnapshotCheckContext } from "../../src/github/pr-snapshot.js";
import { lastPushAt } from "../../src/signals/last-push-at.js";
import { observe } from "../../src/signals/observe.js";

const T = (minute: number) => new Date(Date.UTC(2026, 0, 10, 12, minute, 0));
const iso = (minute: number) => T(minute).toISOString().replace(".000Z", "Z");
const user = (login: string) => ({ __typename: "User", login });
const bot = (login: string) => ({ __typename: "Bot", login });
const commit = (oid: string, minute: number): HistoryItem => ({ __typename: "PullRequestCommit", commit: { oid, committedDate: iso(minute) } });
const ev = (type: string, minute: number, extra: Record<string, unknown> = {}) => ({ __typename: type, createdAt: iso(minute), actor: user("alice"), ...extra }) as HistoryItem;
const review = (id: string, login: string, state: string, minute: number): HistoryItem =>
  ({ __typename: "PullRequestReview", id, state, submittedAt: iso(minute), author: user(login) }) as HistoryItem;
const run = (name: string, started: number, completed: number | null, conclusion: string | null = "SUCCESS"): SnapshotCheckContext => ({
  __typename: "CheckRun",
  name,
  status: completed === null ? "IN_PROGRESS" : "COMPLETED",
  conclusion: completed === null ? null : (conclusion as "SUCCESS"),
  startedAt: iso(started),
  completedAt: completed === null ? null : iso(completed),
});
const status = (context: string, state: string, minute: number): SnapshotCheckContext => ({ __typename: "StatusContext", context, state: state as "SUCCESS", createdAt: iso(minute) });

function history(timeline: HistoryItem[], over: Partial<PullRequestHistory> = {}): PullRequestHistory {
  return {
    id: "PR_1",
    number: 7,
    repo: "acme/rocket",
    state: "MERGED",
    isDraft: false,
    createdAt: iso(0),
    closedAt: null,
    mergedAt: null,
    headRefName: "feature",
    baseRefName: "main",
    author: user("octo"),
    commitCount: timeline.filter((i) => i.__typename === "PullRequestCommit").length,
    timeline,
    checks: {},
    ...over,
  };
}

const signalsAt = (h: PullRequestHistory, minute: number) => observe(snapshotAt(h, T(minute)).snapshot, T(minute));

describe("snapshotAt", () => {
  it("replays the state: open, closed, reopened, merged (a merge's own ClosedEvent keeps it MERGED)", () => {
    const h = history([commit("a1", 0), ev("ClosedEvent", 5), ev("ReopenedEvent", 10), ev("MergedEvent", 20), ev("ClosedEvent", 20)]);
    expect([0, 4, 5, 9, 10, 19, 20, 30].map((m) => snapshotAt(h, T(m)).snapshot.state)).toEqual([
      "OPEN", "OPEN", "CLOSED", "CLOSED", "OPEN", "OPEN", "MERGED", "MERGED",
    ]);
  });

  it("draft before the first ready event, not draft before the first convert event, and as now without either", () => {
    const ready = history([commit("a1", 0), ev("ReadyForReviewEvent", 3), ev("ConvertToDraftEvent", 6)]);
    expect([0, 3, 6].map((m) => snapshotAt(ready, T(m)).snapshot.isDraft)).toEqual([true, false, true]);
    const convert = history([commit("a1", 0), ev("ConvertToDraftEvent", 3)], { isDraft: true });
    expect([0, 3].map((m) => snapshotAt(convert, T(m)).snapshot.isDraft)).toEqual([false, true]);
    expect(snapshotAt(history([commit("a1", 0)], { isDraft: true }), T(1)).snapshot.isDraft).toBe(true);
  });

  it("auto-merge enabled and disabled at their times; a close without merge turns it off", () => {
    const h = history([commit("a1", 0), ev("AutoMergeEnabledEvent", 2), ev("AutoMergeDisabledEvent", 4), ev("AutoMergeEnabledEvent", 6), ev("ClosedEvent", 8)]);
    expect([1, 2, 4, 6, 8].map((m) => signalsAt(h, m).auto_merge_enabled)).toEqual([false, true, false, true, false]);
    expect(snapshotAt(h, T(6)).snapshot.autoMergeRequest).toEqual({ enabledAt: iso(6) });
  });

  it("head commit, commits and last push follow pushes; a force push moves the head and commits are left out before it", () => {
    const h = history(
      [
        commit("a1", 0),
        commit("a2", 5),
        { __typename: "HeadRefForcePushedEvent", createdAt: iso(10), actor: user("octo"), beforeCommit: { oid: "a2" }, afterCommit: { oid: "b1", committedDate: iso(9) } },
        commit("b2", 15),
      ],
      { commitCount: 2 },
    );
    expect([0, 5, 10, 15].map((m) => signalsAt(h, m).head_sha)).toEqual(["a1", "a2", "b1", "b2"]);
    expect(snapshotAt(h, T(5)).leftOut).toContain("commits");
    expect(snapshotAt(h, T(10)).leftOut).not.toContain("commits");
    expect(signalsAt(h, 10).commits).toBe(1);
    expect(signalsAt(h, 15).commits).toBe(2);
    // The force push (10) is newer than the commit it pushed (committed at 9).
    expect(lastPushAt(snapshotAt(h, T(12)).snapshot)).toBe(iso(10));
    expect(lastPushAt(snapshotAt(h, T(7)).snapshot)).toBe(iso(5));
  });

  it("commits without a force push: the count now less the commits pushed later", () => {
    const h = history([commit("a1", 0), commit("a2", 5), commit("a3", 9)]);
    expect([0, 5, 9].map((m) => signalsAt(h, m).commits)).toEqual([1, 2, 3]);
    expect(snapshotAt(h, T(0)).leftOut).toEqual([...ALWAYS_LEFT_OUT]);
  });

  it("check runs count from their start (pending) and their completion; re-runs: the newest counts; statuses from their time", () => {
    const h = history([commit("a1", 0), commit("a2", 20)], {
      checks: {
        a1: [run("build", 1, 3, "FAILURE"), run("build", 4, 6, "SUCCESS"), run("test", 2, null), status("ci/lint", "FAILURE", 5)],
        a2: [run("build", 21, 22, "SUCCESS")],
      },
    });
    const checks = (m: number) => {
      const s = signalsAt(h, m);
      return [s.checks_total, s.checks_passing, s.checks_failing, s.checks_pending];
    };
    expect(checks(0)).toEqual([0, 0, 0, 0]);
    expect(checks(1)).toEqual([1, 0, 0, 1]);
    expect(checks(2)).toEqual([2, 0, 0, 2]);
    expect(checks(3)).toEqual([2, 0, 1, 1]);
    expect(checks(4)).toEqual([2, 0, 0, 2]); // the re-run started: pending again
    expect(checks(5)).toEqual([3, 0, 1, 2]);
    expect(checks(6)).toEqual([3, 1, 1, 1]);
    expect(checks(20)).toEqual([0, 0, 0, 0]); // the new head has none yet
    expect(checks(22)).toEqual([1, 1, 0, 0]);
  });

  it("a run GitHub gives no start time has no known past", () => {
    const queued: SnapshotCheckContext = { __typename: "CheckRun", name: "q", status: "QUEUED", conclusion: null, startedAt: null, completedAt: null };
    const h = history([commit("a1", 0)], { checks: { a1: [queued] } });
    expect(signalsAt(h, 30).checks_total).toBe(0);
  });

  it("reviews: each reviewer's latest opinion then; a comment keeps an approval; a dismissal counts from its time", () => {
    const h = history([
      commit("a1", 0),
      review("r1", "alice", "CHANGES_REQUESTED", 2),
      review("r2", "alice", "COMMENTED", 3),
      review("r3", "alice", "DISMISSED", 4), // approved at 4, dismissed at 8
      review("r4", "bob", "APPROVED", 5),
      { __typename: "ReviewDismissedEvent", createdAt: iso(8), previousReviewState: "APPROVED", review: { id: "r3" } },
      review("r5", "dependabot", "APPROVED", 9),
    ]);
    const rv = (m: number) => [signalsAt(h, m).reviews_approved, signalsAt(h, m).reviews_changes_requested];
    expect(rv(1)).toEqual([0, 0]);
    expect(rv(2)).toEqual([0, 1]);
    expect(rv(3)).toEqual([0, 1]);
    expect(rv(4)).toEqual([1, 0]);
    expect(rv(5)).toEqual([2, 0]);
    expect(rv(8)).toEqual([1, 0]);
    expect(rv(9)).toEqual([2, 0]);
  });

  it("review requests: added, removed, and ended by the reviewer's review (users, bots and teams)", () => {
    const h = history([
      commit("a1", 0),
      ev("ReviewRequestedEvent", 1, { requestedReviewer: user("alice") }),
      ev("ReviewRequestedEvent", 2, { requestedReviewer: { __typename: "Team", slug: "core" } }),
      ev("ReviewRequestedEvent", 3, { requestedReviewer: bot("copilot") }),
      ev("ReviewRequestRemovedEvent", 4, { requestedReviewer: { __typename: "Team", slug: "core" } }),
      review("r1", "alice", "COMMENTED", 5),
      ev("ReviewRequestedEvent", 6, { requestedReviewer: user("alice") }),
    ]);
    expect([0, 1, 2, 3, 4, 5, 6].map((m) => signalsAt(h, m).review_requests)).toEqual([0, 1, 2, 3, 2, 1, 2]);
  });

  it("base branch changes, labels do not change signals, tags and unknowns are as GitHub would have them", () => {
    const h = history(
      [commit("a1", 0), ev("BaseRefChangedEvent", 3, { previousRefName: "develop", currentRefName: "main" }), ev("LabeledEvent", 4, { label: { name: "x" } })],
      { author: null, state: "OPEN" },
    );
    expect(signalsAt(h, 1).base_ref).toBe("develop");
    expect(signalsAt(h, 3).base_ref).toBe("main");
    const { snapshot, leftOut } = snapshotAt(h, T(4));
    expect(snapshot.author).toBeNull();
    expect(snapshot.mergeable).toBe("UNKNOWN");
    expect(snapshot.reviewDecision).toBeNull();
    expect(leftOut).toEqual(expect.arrayContaining(["merge_state", "mergeable", "threads_total", "threads_unresolved", "last_activity_hours", "additions", "deletions", "changed_files", "review_decision"]));
    const s = observe(snapshot, T(4));
    expect(s.pr_age_hours).toBe(0);
    expect(observe(snapshotAt(h, new Date(T(4).getTime() + 3 * 3_600_000)).snapshot, new Date(T(4).getTime() + 3 * 3_600_000)).pr_age_hours).toBe(3);
    expect(s).not.toHaveProperty("mergeable");
    expect(s).not.toHaveProperty("review_decision");
  });
});

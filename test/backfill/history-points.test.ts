import { describe, expect, it } from "vitest";
import { historyMoments, historyPoints } from "../../src/backfill/history-points.js";
import type { HistoryItem, PullRequestHistory } from "../../src/github/pull-request-history.js";
import { silentLog } from "../helpers/silent-log.js";

const iso = (minute: number) => new Date(Date.UTC(2026, 0, 10, 12, minute, 0)).toISOString().replace(".000Z", "Z");
const actor = (login: string) => ({ __typename: "User", login });
const ev = (type: string, minute: number, extra: Record<string, unknown> = {}) => ({ __typename: type, createdAt: iso(minute), actor: actor("orc"), ...extra }) as HistoryItem;

const history: PullRequestHistory = {
  id: "PR_1",
  number: 3,
  repo: "acme/rocket",
  state: "MERGED",
  isDraft: false,
  createdAt: iso(0),
  closedAt: iso(30),
  mergedAt: iso(30),
  headRefName: "f",
  baseRefName: "main",
  author: { __typename: "Bot", login: "jules" },
  commitCount: 3,
  timeline: [
    { __typename: "PullRequestCommit", commit: { oid: "a1", committedDate: iso(0) } },
    { __typename: "IssueComment", databaseId: 99, createdAt: iso(2), author: actor("orc"), body: "Please fix the merge conflicts" },
    { __typename: "IssueComment", databaseId: 100, createdAt: iso(3), author: actor("someone"), body: "rebase please" },
    ev("LabeledEvent", 4, { label: { name: "ready" } }),
    ev("ReviewRequestedEvent", 5, { requestedReviewer: { __typename: "Team", slug: "core" } }),
    { __typename: "PullRequestCommit", commit: { oid: "m1", committedDate: iso(6), message: "Merge branch 'main' into f", parents: ["a1", "b9"], author: actor("orc") } },
    { __typename: "PullRequestCommit", commit: { oid: "m2", committedDate: iso(7), message: "Merge branch 'main' into f", parents: ["m1", "b9"], author: actor("someone") } },
    ev("ClosedEvent", 10),
    ev("ReopenedEvent", 12),
    ev("AutoMergeEnabledEvent", 20),
    ev("MergedEvent", 30),
    ev("ClosedEvent", 30),
  ],
  checks: { a1: [{ __typename: "CheckRun", name: "build", status: "COMPLETED", conclusion: "SUCCESS", startedAt: iso(1), completedAt: iso(1) }] },
};

const options = { since: new Date(0), until: new Date(Date.UTC(2027, 0, 1)), orchestrators: new Set(["orc"]), log: silentLog() };

describe("historyPoints", () => {
  it("observes each change once, with the backfill trigger, reconstructed = true and no field GitHub cannot tell", () => {
    const { observations } = historyPoints(history, options);
    expect(observations.map((o) => [o.time.toISOString().slice(11, 16), o.fields.trigger])).toEqual([
      ["12:00", "backfill.pull_request.opened"],
      ["12:01", "backfill.check_run.completed"],
      // A label changes no signal, but the conflict fix asked for at 12:02 shows from here on.
      ["12:04", "backfill.pull_request.labeled"],
      ["12:05", "backfill.pull_request.review_requested"],
      ["12:06", "backfill.pull_request.synchronize"],
      ["12:07", "backfill.pull_request.synchronize"],
      ["12:10", "backfill.pull_request.closed"],
      ["12:12", "backfill.pull_request.reopened"],
      ["12:20", "backfill.pull_request.auto_merge_enabled"],
      ["12:30", "backfill.pull_request.closed"],
    ]);
    const first = observations[0]!;
    expect(first.tags).toEqual({ repo: "acme/rocket", pr: "3", author: "jules[bot]" });
    expect(first.fields).toMatchObject({ reconstructed: true, state: "OPEN", commits: 1, head_sha: "a1", conflict_attempts: 0 });
    for (const f of ["merge_state", "mergeable", "threads_total", "threads_unresolved", "last_activity_hours", "additions", "deletions", "changed_files", "delivery_id"]) {
      expect(first.fields).not.toHaveProperty(f);
    }
    expect(observations[2]!.fields.conflict_attempts).toBe(1);
    expect(observations.at(-1)!.fields).toMatchObject({ state: "MERGED", auto_merge_enabled: true });
  });

  it("two outcomes for a PR closed, reopened and merged, at GitHub's times, as the close handler writes them", () => {
    const { outcomes } = historyPoints(history, options);
    expect(outcomes.map((o) => [o.time.toISOString(), o.fields])).toEqual([
      ["2026-01-10T12:10:00.000Z", { result: "closed", detail: "closed by orc", resolution_hours: 10 / 60, source: "backfill" }],
      ["2026-01-10T12:30:00.000Z", { result: "success", detail: "merged via auto-merge", resolution_hours: 0.5, source: "backfill" }],
    ]);
  });

  it("infers only the orchestrators' actions, with the live handler's identities; a merge by auto-merge is none", () => {
    const { actions } = historyPoints(history, options);
    expect(actions.map((a) => [a.fields.action, a.fields.reason, a.time.toISOString().slice(11, 19)])).toEqual([
      ["request_conflict_fix", "Please fix the merge conflicts", "12:02:00"],
      ["label", "label ready", "12:04:00"],
      ["request_review", "review requested from team core", "12:05:00"],
      ["update_branch", "merged main into f", "12:06:00"],
      ["close", "closed without merging", "12:10:00"],
      ["enable_auto_merge", "auto-merge", "12:20:00"],
    ]);
    expect(actions.every((a) => a.fields.source === "backfill" && a.fields.actor === "orc")).toBe(true);
  });

  it("keeps to the window", () => {
    const { observations, outcomes, actions } = historyPoints(history, { ...options, since: new Date(iso(11)), until: new Date(iso(25)) });
    expect(observations.map((o) => o.fields.trigger)).toEqual(["backfill.pull_request.reopened", "backfill.pull_request.auto_merge_enabled"]);
    expect(outcomes).toEqual([]);
    expect(actions.map((a) => a.fields.action)).toEqual(["enable_auto_merge"]);
  });

  it("lists moments oldest first, commits made before the opening counting as the opening", () => {
    const h = { ...history, timeline: [{ __typename: "PullRequestCommit", commit: { oid: "x", committedDate: "2025-12-01T00:00:00Z" } } as HistoryItem] };
    expect(historyMoments(h).map((m) => m.event)).toEqual(["pull_request.opened", "check_run.created", "check_run.completed"]);
  });
});

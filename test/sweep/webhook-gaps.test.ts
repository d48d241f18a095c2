import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/repo-config/repo-config.js";
import { observationPoint } from "../../src/pipeline/observation-point.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { closedPullRequestFromNode, restLogin } from "../../src/sweep/closed-pull-request-from-node.js";
import { indexStore } from "../../src/sweep/store-index.js";
import { sweepDue } from "../../src/sweep/sweep-due.js";
import { gapFillCandidates, missedByWebhooks, outcomeRecorded } from "../../src/sweep/webhook-gaps.js";
import { closedNode, prNode } from "./github-shapes.js";

const t = (iso: string) => new Date(iso);
async function* stream(points: Point[]) {
  yield* points;
}
const obs = (pr: number, at: string, fields: Record<string, string | boolean>, repo = "Octo/App") =>
  makePoint("pr_observation", t(at), { repo, pr: String(pr), author: "a" }, fields);
const outcome = (pr: number, at: string) => makePoint("outcome", t(at), { repo: "octo/app", pr: String(pr) }, { result: "success" });

describe("indexStore", () => {
  it("keeps the newest observation and outcome per PR whatever the order, keyed case-insensitively", async () => {
    const index = await indexStore(
      stream([
        obs(1, "2026-02-05T08:00:00Z", { state: "CLOSED", head_sha: "b" }),
        obs(1, "2026-02-05T07:00:00Z", { state: "OPEN", head_sha: "a", trigger: "sweep" }),
        outcome(1, "2026-02-05T08:00:00Z"),
        outcome(1, "2026-02-04T08:00:00Z"),
        obs(2, "2026-02-05T06:00:00Z", { state: "OPEN" }, "other/repo"),
      ]),
      new Set(["octo/app"]),
    );
    expect([...index.keys()]).toEqual(["octo/app"]);
    const repo = index.get("octo/app")!;
    expect(repo.firstPointAt).toEqual(t("2026-02-04T08:00:00Z"));
    expect(repo.lastSweptAt).toEqual(t("2026-02-05T07:00:00Z"));
    expect(repo.prs.get(1)).toEqual({ observedAt: t("2026-02-05T08:00:00Z"), state: "CLOSED", headSha: "b", isDraft: undefined, baseRef: undefined, outcomeAt: t("2026-02-05T08:00:00Z") });
  });
});

describe("gapFillCandidates", () => {
  it("asks only about PRs the store shows open, not open now, without a newer outcome", async () => {
    const index = await indexStore(
      stream([
        obs(1, "2026-02-05T07:00:00Z", { state: "OPEN" }), // closed without the app seeing it
        obs(2, "2026-02-05T07:00:00Z", { state: "OPEN" }), // still open
        obs(3, "2026-02-05T07:00:00Z", { state: "MERGED" }), // close seen
        outcome(3, "2026-02-05T06:59:00Z"),
        obs(7, "2026-02-05T07:00:00Z", { state: "MERGED" }), // seen merged by another event; close delivery lost
        obs(8, "2026-02-05T07:00:00Z", { state: "MERGED", trigger: "sweep" }), // the sweep's final observation (its outcome may be older than the read)
        obs(4, "2026-02-05T07:00:00Z", { state: "OPEN" }),
        outcome(4, "2026-02-05T07:30:00Z"), // outcome newer than the last observation
        obs(5, "2026-02-05T09:00:00Z", { state: "OPEN" }),
        outcome(5, "2026-02-05T07:30:00Z"), // reopened after an outcome, then closed unseen
        obs(6, "2026-02-05T07:00:00Z", {}), // no state recorded: treated as open
      ]),
    );
    expect(gapFillCandidates(index.get("octo/app"), new Set([2]))).toEqual([1, 5, 6, 7]);
    expect(gapFillCandidates(undefined, new Set())).toEqual([]);
  });

  it("outcomeRecorded: an outcome at or after the close time counts, an older one does not", async () => {
    const index = await indexStore(stream([outcome(5, "2026-02-05T07:30:00Z")]));
    const repo = index.get("octo/app");
    expect(outcomeRecorded(repo, 5, t("2026-02-05T07:30:00Z"))).toBe(true);
    expect(outcomeRecorded(repo, 5, t("2026-02-05T07:30:00.001Z"))).toBe(false);
    expect(outcomeRecorded(repo, 6, t("2026-02-05T07:00:00Z"))).toBe(false);
  });
});

describe("missedByWebhooks", () => {
  const now = t("2026-02-05T09:00:00Z");
  const grace = 5 * 60_000;
  const point = (spec: Parameters<typeof prNode>[0]) => observationPoint(prNode(spec), now, { trigger: "sweep", conflictAttempts: 0, reviewFixAttempts: 0 });

  it("flags a lost opened (PR newer than the repo's first point) and a lost synchronize, draft or base change", async () => {
    const index = await indexStore(
      stream([obs(1, "2026-02-04T00:00:00Z", { head_sha: "old", is_draft: false, base_ref: "main" })]),
    );
    const repo = index.get("octo/app");
    const updated = "2026-02-05T08:00:00Z";
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 1, headSha: "new" }), { number: 1, createdAt: "2026-02-03T00:00:00Z", updatedAt: updated }, now, grace)).toBe(true);
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 1, headSha: "old", isDraft: true }), { number: 1, createdAt: "2026-02-03T00:00:00Z", updatedAt: updated }, now, grace)).toBe(true);
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 1, headSha: "old", baseRef: "dev" }), { number: 1, createdAt: "2026-02-03T00:00:00Z", updatedAt: updated }, now, grace)).toBe(true);
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 1, headSha: "old" }), { number: 1, createdAt: "2026-02-03T00:00:00Z", updatedAt: updated }, now, grace)).toBe(false);
    // Never observed: lost only if it opened after the app started watching the repository.
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 2 }), { number: 2, createdAt: "2026-02-05T00:00:00Z", updatedAt: updated }, now, grace)).toBe(true);
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 3 }), { number: 3, createdAt: "2026-02-01T00:00:00Z", updatedAt: updated }, now, grace)).toBe(false);
    // Updated within the grace period: the delivery may be in flight.
    expect(missedByWebhooks(repo, point({ repo: "octo/app", number: 1, headSha: "new" }), { number: 1, createdAt: "2026-02-03T00:00:00Z", updatedAt: "2026-02-05T08:57:00Z" }, now, grace)).toBe(false);
    // A repository the store has never seen: its first sweep, nothing counts as lost.
    expect(missedByWebhooks(undefined, point({ repo: "octo/app", number: 1 }), { number: 1, createdAt: "2026-02-05T00:00:00Z", updatedAt: updated }, now, grace)).toBe(false);
  });
});

describe("sweepDue", () => {
  const now = t("2026-02-05T09:00:00Z");
  const ago = (min: number) => new Date(now.getTime() - min * 60_000);
  it("follows enabled and sweep_interval_minutes with half the runner's interval as slack", () => {
    expect(sweepDue(DEFAULT_REPO_CONFIG, ago(1), now, 15)).toEqual({ due: true });
    expect(sweepDue({ ...DEFAULT_REPO_CONFIG, enabled: false }, undefined, now, 15).due).toBe(false);
    expect(sweepDue({ ...DEFAULT_REPO_CONFIG, sweep_interval_minutes: 0 }, undefined, now, 15).due).toBe(false);
    const hourly = { ...DEFAULT_REPO_CONFIG, sweep_interval_minutes: 60 };
    expect(sweepDue(hourly, undefined, now, 15)).toEqual({ due: true });
    expect(sweepDue(hourly, ago(45), now, 15)).toEqual({ due: false, reason: "not due: swept 45 min ago, sweep_interval_minutes is 60" });
    expect(sweepDue(hourly, ago(53), now, 15)).toEqual({ due: true });
    expect(sweepDue({ ...DEFAULT_REPO_CONFIG, sweep_interval_minutes: 5 }, ago(15), now, 15)).toEqual({ due: true });
  });
});

describe("closedPullRequestFromNode", () => {
  it("reads a merge with auto-merge on, a merge without, a close, and an open PR", () => {
    const base = { repo: "octo/app", number: 5, createdAt: "2026-02-05T07:00:00Z", closedAt: "2026-02-05T08:30:00Z" };
    expect(closedPullRequestFromNode("octo/app", closedNode({ ...base, mergedAt: "2026-02-05T08:30:00Z", mergedBy: "m", autoMergeEnabledAt: "2026-02-05T08:00:00Z" }))).toEqual({
      repo: "octo/app",
      number: 5,
      createdAt: t("2026-02-05T07:00:00Z"),
      closedAt: t("2026-02-05T08:30:00Z"),
      mergedAt: t("2026-02-05T08:30:00Z"),
      mergedBy: "m",
      closedBy: undefined,
      autoMerge: true,
    });
    expect(closedPullRequestFromNode("octo/app", closedNode({ ...base, mergedAt: "2026-02-05T08:30:00Z", mergedBy: "m" }))).toMatchObject({ autoMerge: false, mergedBy: "m" });
    expect(closedPullRequestFromNode("octo/app", closedNode({ ...base, closedBy: "closer" }))).toMatchObject({ mergedAt: null, closedBy: "closer", autoMerge: false });
    expect(closedPullRequestFromNode("octo/app", { ...closedNode(base), state: "OPEN", closedAt: null })).toBeUndefined();
  });

  it("spells bot logins as REST does", () => {
    expect(restLogin({ __typename: "Bot", login: "jules" })).toBe("jules[bot]");
    expect(restLogin({ __typename: "User", login: "octocat" })).toBe("octocat");
    expect(restLogin(null)).toBeUndefined();
  });
});

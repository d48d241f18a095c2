import { describe, expect, it } from "vitest";
import { classifyComment } from "../../src/actions/classify-comment.js";
import { inferredTime } from "../../src/actions/inferred-time.js";
import { isBaseMerge } from "../../src/actions/is-base-merge.js";
import { RecentPoints } from "../../src/actions/recent-points.js";
import { makePoint } from "../../src/store/point.js";
import { silent } from "./test-runtime.js";

describe("classifyComment", () => {
  it.each([
    ["@jules there are merge conflicts, please resolve them", "request_conflict_fix"],
    ["Please rebase on main", "request_conflict_fix"],
    ["@jules address the review comments", "request_review_fix"],
    ["Fix the CodeRabbit suggestions please", "request_review_fix"],
    ["LGTM, waiting for CI", "comment"],
  ])("%j -> %s with the defaults", (body, action) => {
    expect(classifyComment(body, undefined, silent)).toBe(action);
  });

  it("checks the repository's patterns first; they replace the defaults of the actions they name", () => {
    const repo = { request_review_fix: ["^/fix-review"], nudge: ["\\bping\\b"] };
    expect(classifyComment("/fix-review now", repo, silent)).toBe("request_review_fix");
    expect(classifyComment("address the review comments", repo, silent)).toBe("comment");
    expect(classifyComment("ping, the conflicts", repo, silent)).toBe("nudge");
    expect(classifyComment("conflicts again", repo, silent)).toBe("request_conflict_fix");
  });

  it("ignores an invalid pattern instead of failing", () => {
    expect(classifyComment("(oops", { wait: ["(oops"] }, silent)).toBe("comment");
  });
});

describe("isBaseMerge", () => {
  const base = { sha: "b".repeat(40), ref: "main" };
  const old = "a".repeat(40);
  it("is true for GitHub's Update branch merge commit", () => {
    expect(isBaseMerge({ message: "Merge branch 'main' into feature", parents: [{ sha: old }, { sha: base.sha }] }, old, base)).toBe(true);
    // The payload's base sha lagged: the title still says it.
    expect(isBaseMerge({ message: "Merge branch 'main' into feature", parents: [{ sha: old }, { sha: "c".repeat(40) }] }, old, base)).toBe(true);
    expect(isBaseMerge({ message: "Merge remote-tracking branch 'origin/main' into feature\n\nbody", parents: [{ sha: old }, { sha: "c".repeat(40) }] }, old, base)).toBe(true);
  });
  it("is false for ordinary commits, other merges, and force-pushes", () => {
    expect(isBaseMerge({ message: "Merge branch 'main' into feature", parents: [{ sha: old }] }, old, base)).toBe(false);
    expect(isBaseMerge({ message: "Merge branch 'other' into feature", parents: [{ sha: old }, { sha: "c".repeat(40) }] }, old, base)).toBe(false);
    expect(isBaseMerge({ message: "Merge branch 'main-2' into feature", parents: [{ sha: old }, { sha: "c".repeat(40) }] }, old, base)).toBe(false);
    expect(isBaseMerge({ message: "Merge branch 'main' into feature", parents: [{ sha: "d".repeat(40) }, { sha: base.sha }] }, old, base)).toBe(false);
  });
});

describe("inferredTime", () => {
  it("stays within the event's second, is stable, and separates different actions", () => {
    const a = inferredTime("2026-02-05T09:00:00Z", "label:bug");
    expect(a.toISOString().slice(0, 19)).toBe("2026-02-05T09:00:00");
    expect(inferredTime("2026-02-05T09:00:00Z", "label:bug")).toEqual(a);
    expect(inferredTime("2026-02-05T09:00:00Z", "enable_auto_merge")).not.toEqual(a);
  });
});

describe("RecentPoints", () => {
  const p = makePoint("outcome", new Date("2026-02-05T09:00:00Z"), { repo: "o/r", pr: "1" }, { result: "closed", delivery_id: "a" });
  it("drops exact repeats (whatever the delivery id), keeps changed fields, and forgets failed writes", () => {
    const recent = new RecentPoints(2);
    expect(recent.claim([p])).toEqual([p]);
    expect(recent.claim([{ ...p, fields: { ...p.fields, delivery_id: "b" } }])).toEqual([]);
    const changed = { ...p, fields: { ...p.fields, result: "success" } };
    expect(recent.claim([changed])).toEqual([changed]);
    recent.release([changed]);
    expect(recent.claim([changed])).toEqual([changed]);
  });
  it("forgets the oldest beyond its capacity", () => {
    const recent = new RecentPoints(1);
    const q = { ...p, time: new Date("2026-02-05T10:00:00Z") };
    recent.claim([p]);
    recent.claim([q]);
    expect(recent.claim([p])).toEqual([p]);
  });
});

import { describe, expect, it } from "vitest";
import { FIELD_TYPES } from "../../src/store/field-types.js";
import { observationPoint } from "../../src/pipeline/observation-point.js";
import { isMergeableUnknown, observe, prAuthorLogin } from "../../src/signals/observe.js";
import { loadSnapshot } from "./load-snapshot.js";

const now = new Date("2026-02-05T09:00:00.000Z");

describe("observe", () => {
  it("an open PR blocked by checks: re-runs, statuses, dismissed and re-requested reviews, outdated threads", () => {
    const snapshot = loadSnapshot("pr-open-blocked-mixed-checks");
    expect(observe(snapshot, now)).toStrictEqual({
      merge_state: "BLOCKED",
      mergeable: true,
      is_draft: false,
      auto_merge_enabled: true,
      // build (re-run: FAILURE then SUCCESS) counts once, as SUCCESS; coverage/coveralls (SUCCESS then ERROR) as ERROR.
      // passing: build, lint, docs (SKIPPED), CodeQL (NEUTRAL), netlify; failing: e2e (TIMED_OUT), coveralls (ERROR);
      // pending: test (IN_PROGRESS), ci/jenkins (PENDING).
      checks_total: 9,
      checks_passing: 5,
      checks_failing: 2,
      checks_pending: 2,
      // APPROVED, APPROVED (re-requested: still stands), DISMISSED (counts for neither), CHANGES_REQUESTED.
      reviews_approved: 2,
      reviews_changes_requested: 1,
      review_requests: 1,
      // two outdated threads, one of them unresolved: outdated still counts while unresolved.
      threads_total: 5,
      threads_unresolved: 3,
      pr_age_hours: 48, // 48 h 30 min
      last_push_hours: 2, // the force push at 06:45, newer than the commit (05:10)
      last_activity_hours: 1, // 1 h 0 min 1 s
      head_sha: "9f2c1e7d4b3a58c6e0f1a2b3c4d5e6f708192a3b",
      base_ref: "main",
      head_ref: 'feat/"quoted",comma=eq sign\nnew line 🚀\\',
      review_decision: "CHANGES_REQUESTED",
      commits: 6,
      additions: 412,
      deletions: 37,
      changed_files: 9,
      state: "OPEN",
    });
  });

  it("a draft with UNKNOWN mergeability, no CI (rollup null), a ghost author and no reviews", () => {
    const snapshot = loadSnapshot("pr-draft-unknown-no-checks");
    expect(observe(snapshot, now)).toStrictEqual({
      merge_state: "UNKNOWN",
      // mergeable: left out, never a guess
      is_draft: true,
      auto_merge_enabled: false,
      checks_total: 0,
      checks_passing: 0,
      checks_failing: 0,
      checks_pending: 0,
      reviews_approved: 0,
      reviews_changes_requested: 0,
      review_requests: 0,
      threads_total: 0,
      threads_unresolved: 0,
      pr_age_hours: 0, // 30 s old
      last_push_hours: 13, // no force push: the head commit's date (committed the evening before)
      last_activity_hours: 0,
      head_sha: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
      base_ref: "main",
      head_ref: "wip/try-things",
      // review_decision: null -> left out
      commits: 1,
      additions: 3,
      deletions: 0,
      changed_files: 1,
      state: "OPEN",
    });
    expect(prAuthorLogin(snapshot)).toBe("ghost");
    expect(isMergeableUnknown(snapshot)).toBe(true);
  });

  it("a PR conflicting with its base", () => {
    const snapshot = loadSnapshot("pr-conflicting");
    expect(observe(snapshot, now)).toStrictEqual({
      merge_state: "DIRTY",
      mergeable: false,
      is_draft: false,
      auto_merge_enabled: false,
      checks_total: 3,
      checks_passing: 3,
      checks_failing: 0,
      checks_pending: 0,
      reviews_approved: 0,
      reviews_changes_requested: 0,
      review_requests: 2,
      threads_total: 1,
      threads_unresolved: 0,
      pr_age_hours: 165, // 6 days 21 h
      last_push_hours: 24, // 24 h 30 min
      last_activity_hours: 24,
      head_sha: "c0ffee0000000000000000000000000000000307",
      base_ref: "dev",
      head_ref: "fix/issue-307",
      review_decision: "REVIEW_REQUIRED",
      commits: 2,
      additions: 20,
      deletions: 18,
      changed_files: 2,
      state: "OPEN",
    });
    expect(isMergeableUnknown(snapshot)).toBe(false);
    expect(prAuthorLogin(snapshot)).toBe("octo-cat");
  });

  it("a merged bot PR: latest run by start time, queued/STALE/EXPECTED pending, every failing conclusion", () => {
    const snapshot = loadSnapshot("pr-merged-bot");
    expect(observe(snapshot, now)).toStrictEqual({
      merge_state: "UNKNOWN",
      is_draft: false,
      auto_merge_enabled: false,
      // build: SUCCESS (started 09:01) beats CANCELLED (09:00:05) though listed first.
      // failing: license (STARTUP_FAILURE), deploy (ACTION_REQUIRED), legacy/jenkins (FAILURE);
      // pending: nightly (QUEUED, not started), flaky-bot (STALE), security/snyk (EXPECTED).
      checks_total: 7,
      checks_passing: 1,
      checks_failing: 3,
      checks_pending: 3,
      reviews_approved: 1,
      reviews_changes_requested: 0,
      review_requests: 0,
      threads_total: 0,
      threads_unresolved: 0,
      pr_age_hours: 624,
      last_push_hours: 624,
      last_activity_hours: 1,
      head_sha: "d00dfeed00000000000000000000000000000291",
      base_ref: "main",
      head_ref: "dependabot/npm_and_yarn/vitest-4.1.12",
      review_decision: "APPROVED",
      commits: 1,
      additions: 5,
      deletions: 5,
      changed_files: 2,
      state: "MERGED",
    });
    expect(prAuthorLogin(snapshot)).toBe("dependabot[bot]");
    // merged: GitHub no longer computes mergeability, so no retry is worth it
    expect(isMergeableUnknown(snapshot)).toBe(false);
  });

  it("is pure: the same snapshot and clock give the same signals, and the snapshot is untouched", () => {
    const snapshot = loadSnapshot("pr-open-blocked-mixed-checks");
    const before = JSON.stringify(snapshot);
    expect(observe(snapshot, now)).toStrictEqual(observe(snapshot, now));
    expect(JSON.stringify(snapshot)).toBe(before);
  });

  it("hours are floored at the given clock and never negative", () => {
    const snapshot = loadSnapshot("pr-conflicting");
    expect(observe(snapshot, new Date("2026-01-29T12:59:59.999Z")).pr_age_hours).toBe(0);
    expect(observe(snapshot, new Date("2026-01-29T13:00:00.000Z")).pr_age_hours).toBe(1);
    expect(observe(snapshot, new Date("2026-01-29T11:00:00.000Z")).pr_age_hours).toBe(0); // clock skew
  });
});

describe("observationPoint", () => {
  it("makes the pr_observation point: tags, every field, context fields, time = now", () => {
    const snapshot = loadSnapshot("pr-open-blocked-mixed-checks");
    const point = observationPoint(snapshot, now, {
      trigger: "pull_request.synchronize",
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      conflictAttempts: 2,
      reviewFixAttempts: 1,
    });
    expect(point.measurement).toBe("pr_observation");
    expect(point.time).toEqual(now);
    expect(point.tags).toStrictEqual({ repo: "dappcore/core", pr: "315", author: "jules[bot]" });
    expect(point.fields).toStrictEqual({
      ...observe(snapshot, now),
      conflict_attempts: 2,
      review_fix_attempts: 1,
      trigger: "pull_request.synchronize",
      delivery_id: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    });
  });

  it("leaves out delivery_id (sweep), mergeable (UNKNOWN) and review_decision (null)", () => {
    const point = observationPoint(loadSnapshot("pr-draft-unknown-no-checks"), now, {
      trigger: "sweep",
      conflictAttempts: 0,
      reviewFixAttempts: 0,
    });
    expect(point.tags.author).toBe("ghost");
    expect(Object.keys(point.fields)).not.toContain("delivery_id");
    expect(Object.keys(point.fields)).not.toContain("mergeable");
    expect(Object.keys(point.fields)).not.toContain("review_decision");
    expect(point.fields["trigger"]).toBe("sweep");
    expect(point.fields["conflict_attempts"]).toBe(0);
  });

  it("every field it can write is declared in FIELD_TYPES with the type of its value", () => {
    const declared = FIELD_TYPES["pr_observation"] ?? {};
    const point = observationPoint(loadSnapshot("pr-open-blocked-mixed-checks"), now, {
      trigger: "t",
      deliveryId: "d",
      conflictAttempts: 0,
      reviewFixAttempts: 0,
    });
    // Every declared field but `reconstructed`, which only a backfill's observations carry (src/backfill).
    expect(Object.keys(point.fields).sort()).toStrictEqual(Object.keys(declared).filter((f) => f !== "reconstructed").sort());
    expect(declared["reconstructed"]).toBe("boolean");
    for (const [field, value] of Object.entries(point.fields)) {
      const type = declared[field];
      if (type === "integer") expect(Number.isInteger(value), field).toBe(true);
      else expect(typeof value, field).toBe(type === "boolean" ? "boolean" : "string");
    }
  });

  it("hostile strings in logins and branch names pass through intact", () => {
    const hostile = 'we"ird,lo=gin \n🚀\\';
    const snapshot = { ...loadSnapshot("pr-conflicting"), author: { __typename: "User", login: hostile }, baseRefName: hostile };
    const point = observationPoint(snapshot, now, { trigger: "x", conflictAttempts: 0, reviewFixAttempts: 0 });
    expect(point.tags.author).toBe(hostile);
    expect(point.fields["base_ref"]).toBe(hostile);
  });
});

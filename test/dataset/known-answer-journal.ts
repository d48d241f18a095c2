import { makePoint, type FieldValue, type Point } from "../../src/store/point.js";
import { act, obs, out } from "./fixtures.js";

/*
 * A journal in which each schema-2 feature and label has one known answer, worked by hand in
 * test/dataset/learning-examples.test.ts. Written out of time order on purpose (the journal's
 * order is write order). Also the input of the schema-1 golden export
 * (test/fixtures/dataset/golden-schema1.jsonl, made by the code before schema 2 existed).
 */
export const R = "dappcore/core";
const H = "2026-02-05T";

/** An observation by another author (the fixtures' obs is by jules[bot]). */
function obsBy(author: string, pr: number, time: string, fields: Record<string, FieldValue>): Point {
  return makePoint("pr_observation", new Date(time), { repo: R, pr: String(pr), author }, { state: "OPEN", ...fields });
}

export function knownAnswerJournal(): Point[] {
  const base = { merge_state: "BLOCKED", mergeable: false, checks_failing: 2, threads_unresolved: 1, reviews_approved: 0, head_sha: "a1", pr_age_hours: 10, last_push_hours: 2, last_activity_hours: 1 };
  return [
    // PR 1 (jules): the 1 ms traps, a push after the action, merged with iteration.
    obs(R, 1, `${H}08:00:00.000Z`, { ...base, merge_state: "DIRTY", is_draft: true }),
    obs(R, 1, `${H}09:00:00.000Z`, { ...base, review_decision: "CHANGES_REQUESTED", reviews_changes_requested: 1 }),
    act(R, 1, `${H}10:00:00.000Z`, "request_review_fix"),
    obs(R, 1, `${H}10:00:00.001Z`, { ...base, merge_state: "AFTER_1MS", checks_failing: 0, head_sha: "b2", reviews_changes_requested: 1, review_decision: "CHANGES_REQUESTED" }),
    obs(R, 1, `${H}09:59:59.999Z`, { ...base, reviews_changes_requested: 1, review_decision: "CHANGES_REQUESTED" }),
    obs(R, 1, `${H}11:00:00.000Z`, { ...base, merge_state: "CLEAN", mergeable: true, checks_failing: 0, threads_unresolved: 0, reviews_approved: 1, head_sha: "b2", reviews_changes_requested: 0, review_decision: "APPROVED" }),
    act(R, 1, `${H}11:00:00.000Z`, "request_review_fix"),
    act(R, 1, `${H}11:30:00.000Z`, "wait"),
    obs(R, 1, `${H}16:00:00.000Z`, { ...base, merge_state: "CLEAN", mergeable: true, checks_failing: 0, threads_unresolved: 0, reviews_approved: 1, head_sha: "b2" }),
    out(R, 1, `${H}16:00:00.000Z`, "success", 32, "merged"),
    // PR 2 (copilot): merged unchanged 30 min after the action; an outcome 1 ms before an action.
    obsBy("Copilot", 2, `${H}08:00:00.000Z`, { ...base, merge_state: "CLEAN", mergeable: true, checks_failing: 0, threads_unresolved: 0 }),
    act(R, 2, `${H}08:30:00.000Z`, "merge"),
    out(R, 2, `${H}09:00:00.000Z`, "success", 1),
    act(R, 2, `${H}09:00:00.001Z`, "wait"),
    // PR 3 (a person): open, data ends 2 h after the action: 1 h known, 6 h and 24 h censored.
    obsBy("octocat", 3, `${H}08:00:00.000Z`, { ...base }),
    act(R, 3, `${H}08:00:00.000Z`, "request_conflict_fix"),
    // The 1 h horizon's edges: an observation at exactly 09:00 is inside it, one 1 ms later is not.
    obsBy("octocat", 3, `${H}09:00:00.001Z`, { ...base, threads_unresolved: 0, checks_failing: 0 }),
    obsBy("octocat", 3, `${H}09:00:00.000Z`, { ...base, threads_unresolved: 0 }),
    obsBy("octocat", 3, `${H}10:00:00.000Z`, { ...base, merge_state: "BEHIND" }),
    // PR 4 (a bot outside the map): escalated; no observation before the action.
    act(R, 4, `${H}08:00:00.000Z`, "escalate"),
    obsBy("renovate[bot]", 4, `${H}08:00:00.001Z`, { ...base }),
    out(R, 4, `${H}09:00:00.000Z`, "escalated", 1),
    // PR 5: closed unmerged, two actions an hour apart (a retry within 6 h, not within 1 h).
    obs(R, 5, `${H}07:00:00.000Z`, { ...base }),
    act(R, 5, `${H}08:00:00.000Z`, "request_conflict_fix"),
    act(R, 5, `${H}09:00:00.001Z`, "request_conflict_fix"),
    out(R, 5, `${H}12:00:00.000Z`, "closed", 5),
  ];
}

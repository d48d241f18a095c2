import { makePoint, type FieldValue, type Point } from "../../src/store/point.js";

// A small known dataset for the report, the timeline, the browser test and the dashboards:
// every figure of it is worked out by hand below, and it carries hostile strings (a repository
// name and reasons that are HTML and script) that every view must show as text.

export const HOSTILE_REASON = `</script><script>window.pwned=1</script><img src="http://127.0.0.1:9/x.png" onerror="window.pwned=2">`;
export const HOSTILE_REPO = `acme/x"><img src=http://127.0.0.1:9/y.png>`;
export const REPO = "acme/api";

const o = (repo: string, pr: number, author: string, time: string, fields: Record<string, FieldValue>) =>
  makePoint("pr_observation", new Date(time), { repo, pr: String(pr), author }, { state: "OPEN", trigger: "pull_request.synchronize", ...fields });
const a = (repo: string, pr: number, time: string, action: string, fields: Record<string, FieldValue> = {}) =>
  makePoint("action_taken", new Date(time), { repo, pr: String(pr) }, { action, reason: `why ${action}`, source: "api", ...fields });
const r = (repo: string, pr: number, time: string, result: string, hours: number, source = "webhook") =>
  makePoint("outcome", new Date(time), { repo, pr: String(pr) }, { result, detail: `${result} detail`, resolution_hours: hours, source });

/*
 * Worked by hand (window 2026-02-01 .. 2026-02-10T00:00Z):
 * acme/api#1 (jules[bot]): draft 08-10 (merge_state DRAFT), BLOCKED 10-12, CLEAN 12-14 (approved at 12),
 *   request_review_fix at 11 (hostile reason), success at 14 (6 h after opening; 3 h after the action).
 * acme/api#2 (alice): DIRTY 08-10, CLEAN 10-12, request_conflict_fix at 09, closed at 12 by the sweep (4 h; 3 h after).
 * acme/api#3 (jules[bot]): BLOCKED from 2026-02-04T08 on, wait at 09, request_review_fix at 10 and 11; open.
 * HOSTILE_REPO#4 (copilot-swe-agent[bot]): CLEAN 08-10, wait at 09 (hostile reason), success at 10 (2 h; 1 h after).
 * Success by action: wait 1/1 (PR 4; PR 3 open), request_review_fix 1/1 (PR 1; PR 3 open), request_conflict_fix 0/1.
 * Time per merge state (open time up to the window's end for PR 3, 136 h): BLOCKED 2 + 136 = 138, CLEAN 2 + 2 + 2 = 6,
 *   DIRTY 2, DRAFT 2; in draft 2.
 * Funnel: opened 4; ready for review 4 (PR 1 at 10, 2 h after opening); approved 1 (PR 1 at 12); merged 2 (PRs 1 and 4).
 * Volume per day: 02-02 obs 3 act 1 out 1; 02-03 obs 2 act 1 out 1; 02-04 obs 1 act 3; 02-05 obs 1 act 1 out 1.
 * Outcomes by source: webhook 2 (02-02, 02-05), sweep 1 (02-03): webhook loss 1 of 3.
 */
export function reportDataset(): Point[] {
  return [
    o(REPO, 1, "jules[bot]", "2026-02-02T08:00:00.000Z", { trigger: "pull_request.opened", is_draft: true, merge_state: "DRAFT", reviews_approved: 0, checks_total: 2 }),
    o(REPO, 1, "jules[bot]", "2026-02-02T10:00:00.000Z", { trigger: "pull_request.ready_for_review", is_draft: false, merge_state: "BLOCKED", reviews_approved: 0, checks_total: 2 }),
    a(REPO, 1, "2026-02-02T11:00:00.000Z", "request_review_fix", { reason: HOSTILE_REASON }),
    o(REPO, 1, "jules[bot]", "2026-02-02T12:00:00.000Z", { trigger: "pull_request_review.submitted", is_draft: false, merge_state: "CLEAN", reviews_approved: 1, checks_total: 2 }),
    r(REPO, 1, "2026-02-02T14:00:00.000Z", "success", 6),
    o(REPO, 2, "alice", "2026-02-03T08:00:00.000Z", { trigger: "pull_request.opened", is_draft: false, merge_state: "DIRTY", reviews_approved: 0 }),
    a(REPO, 2, "2026-02-03T09:00:00.000Z", "request_conflict_fix"),
    o(REPO, 2, "alice", "2026-02-03T10:00:00.000Z", { is_draft: false, merge_state: "CLEAN", reviews_approved: 0 }),
    r(REPO, 2, "2026-02-03T12:00:00.000Z", "closed", 4, "sweep"),
    o(REPO, 3, "jules[bot]", "2026-02-04T08:00:00.000Z", { trigger: "pull_request.opened", is_draft: false, merge_state: "BLOCKED", reviews_approved: 0 }),
    a(REPO, 3, "2026-02-04T09:00:00.000Z", "wait"),
    a(REPO, 3, "2026-02-04T10:00:00.000Z", "request_review_fix"),
    a(REPO, 3, "2026-02-04T11:00:00.000Z", "request_review_fix"),
    o(HOSTILE_REPO, 4, "copilot-swe-agent[bot]", "2026-02-05T08:00:00.000Z", { trigger: "pull_request.opened", is_draft: false, merge_state: "CLEAN", reviews_approved: 0 }),
    a(HOSTILE_REPO, 4, "2026-02-05T09:00:00.000Z", "wait", { reason: HOSTILE_REASON }),
    r(HOSTILE_REPO, 4, "2026-02-05T10:00:00.000Z", "success", 2),
  ];
}

/** The window the figures above are worked out for. */
export const WINDOW = { since: "2026-02-01", until: "2026-02-10T00:00:00Z" };

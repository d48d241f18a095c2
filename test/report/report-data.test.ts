import { describe, expect, it } from "vitest";
import { buildReportData } from "../../src/report/report-data.js";
import { makePoint, type FieldValue, type Point } from "../../src/store/point.js";

const o = (pr: number, time: string, fields: Record<string, FieldValue>) => makePoint("pr_observation", new Date(time), { repo: "o/r", pr: String(pr), author: "a" }, { state: "OPEN", ...fields });
const out = (pr: number, time: string, result: string) => makePoint("outcome", new Date(time), { repo: "o/r", pr: String(pr) }, { result, source: "webhook" });
const act = (pr: number, time: string, action: string) => makePoint("action_taken", new Date(time), { repo: "o/r", pr: String(pr) }, { action, source: "api" });
async function* batches(points: Point[]) {
  yield points;
}
const window = { since: new Date("2026-03-01T00:00:00Z"), until: new Date("2026-03-02T00:00:00Z") };

describe("buildReportData", () => {
  it("counts a state's time only inside the window, up to the next observation or the outcome", async () => {
    const data = await buildReportData(
      batches([
        // Entered BLOCKED 10 h before the window: only its 5 h inside count; then CLEAN 2 h until the merge.
        o(1, "2026-02-28T14:00:00Z", { merge_state: "BLOCKED", is_draft: true }),
        o(1, "2026-03-01T05:00:00Z", { merge_state: "CLEAN", is_draft: false }),
        out(1, "2026-03-01T07:00:00Z", "success"),
        // An observation after the outcome that says MERGED counts nothing.
        o(1, "2026-03-01T07:00:01Z", { merge_state: "CLEAN", state: "MERGED" }),
        // A point after the window is not read into it.
        o(2, "2026-03-03T00:00:00Z", { merge_state: "DIRTY" }),
      ]),
      window,
    );
    expect(data.mergeStateHours).toEqual([
      { state: "BLOCKED", hours: 5 },
      { state: "CLEAN", hours: 2 },
    ]);
    expect(data.draftHours).toBe(5);
    // PR 1 was first seen before the window: not in the funnel; nothing else was opened in it.
    expect(data.funnel.map((s) => s.prs)).toEqual([0, 0, 0, 0]);
    expect(data.slowestOpen).toEqual([]);
  });

  it("takes the first action of each type in the window and the PR's latest outcome at or after it", async () => {
    const data = await buildReportData(
      batches([
        o(3, "2026-03-01T01:00:00Z", { merge_state: "BLOCKED" }),
        act(3, "2026-03-01T02:00:00Z", "wait"),
        act(3, "2026-03-01T04:00:00Z", "wait"),
        out(3, "2026-03-01T03:00:00Z", "closed"),
        out(3, "2026-03-01T08:00:00Z", "success"),
        act(4, "2026-03-01T02:00:00Z", "wait"),
      ]),
      window,
    );
    expect(data.hoursToOutcome).toEqual([{ action: "wait", repo: "o/r", pr: 3, hours: 6 }]);
    expect(data.mostAttempts).toEqual([
      { repo: "o/r", pr: 3, actions: 2, outcome: "success" },
      { repo: "o/r", pr: 4, actions: 1, outcome: null },
    ]);
    expect(data.timelines.map((t) => `${t.repo}#${t.pr}:${t.entries.length}`)).toEqual(["o/r#3:5", "o/r#4:1"]);
  });
});

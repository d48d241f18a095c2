import { describe, expect, it } from "vitest";
import { closedPullRequestFromPayload, closeOutcome } from "../../src/outcomes/close-outcome.js";
import { example } from "../actions/test-runtime.js";

describe("closedPullRequestFromPayload + closeOutcome", () => {
  it("reads the real pull_request.closed example as a close without merge", () => {
    const pr = closedPullRequestFromPayload(example("pull_request", "closed"));
    expect(pr).toEqual({
      repo: "Codertocat/Hello-World",
      number: 2,
      createdAt: new Date("2019-05-15T15:20:33Z"),
      closedAt: new Date("2019-05-15T15:21:18Z"),
      mergedAt: null,
      mergedBy: undefined,
      closedBy: "Codertocat",
      autoMerge: false,
    });
    expect(closeOutcome(pr)).toEqual({
      measurement: "outcome",
      time: new Date("2019-05-15T15:21:18Z"),
      tags: { repo: "Codertocat/Hello-World", pr: "2" },
      fields: { result: "closed", detail: "closed by Codertocat", resolution_hours: 0.0125, source: "webhook" },
    });
  });

  it("reads a merge: merged_by, else the sender; auto-merge only when it was enabled", () => {
    const payload = example("pull_request", "closed");
    Object.assign(payload.pull_request, { merged: true, merged_at: "2019-05-16T03:20:33Z", closed_at: "2019-05-16T03:20:33Z", merged_by: { login: "octocat" } });
    expect(closeOutcome(closedPullRequestFromPayload(payload)).fields).toEqual({ result: "success", detail: "merged by octocat", resolution_hours: 12, source: "webhook" });
    payload.pull_request.merged_by = null;
    expect(closeOutcome(closedPullRequestFromPayload(payload)).fields.detail).toBe("merged by Codertocat");
    payload.pull_request.auto_merge = { enabled_by: { login: "bot" }, merge_method: "squash" };
    expect(closeOutcome(closedPullRequestFromPayload(payload), { source: "sweep" }).fields).toEqual({
      result: "success",
      detail: "merged via auto-merge",
      resolution_hours: 12,
      source: "sweep",
    });
  });

  it("uses the merge time, not the close time, and never a negative resolution", () => {
    const base = { repo: "o/r", number: 7, autoMerge: false, createdAt: new Date("2026-02-05T10:00:00Z") };
    const merged = closeOutcome({ ...base, mergedAt: new Date("2026-02-05T11:30:00Z"), closedAt: new Date("2026-02-05T11:30:01Z") });
    expect([merged.time.toISOString(), merged.fields.resolution_hours, merged.fields.detail]).toEqual(["2026-02-05T11:30:00.000Z", 1.5, "merged"]);
    const skewed = closeOutcome({ ...base, mergedAt: null, closedAt: new Date("2026-02-05T09:59:59Z") });
    expect([skewed.fields.resolution_hours, skewed.fields.detail]).toEqual([0, "closed"]);
  });

  it("gives a redelivered close the same identity", () => {
    const a = closeOutcome(closedPullRequestFromPayload(example("pull_request", "closed")), { deliveryId: "d-1" });
    const b = closeOutcome(closedPullRequestFromPayload(example("pull_request", "closed")), { deliveryId: "d-2" });
    expect([a.time, a.tags]).toEqual([b.time, b.tags]);
  });
});

import { describe, expect, it } from "vitest";
import type { SnapshotCheckRun, SnapshotStatusContext } from "../../src/github/pr-snapshot.js";
import { checkBucket } from "../../src/signals/check-bucket.js";
import { checksSummary } from "../../src/signals/checks-summary.js";
import { latestCheckContexts } from "../../src/signals/latest-check-contexts.js";

const run = (name: string, status: SnapshotCheckRun["status"], conclusion: SnapshotCheckRun["conclusion"], startedAt: string | null = "2026-02-05T08:00:00Z"): SnapshotCheckRun => ({
  __typename: "CheckRun",
  name,
  status,
  conclusion,
  startedAt,
  completedAt: null,
});
const status = (context: string, state: SnapshotStatusContext["state"], createdAt = "2026-02-05T08:00:00Z"): SnapshotStatusContext => ({
  __typename: "StatusContext",
  context,
  state,
  createdAt,
});

describe("checkBucket", () => {
  it.each([
    ["SUCCESS", "passing"],
    ["NEUTRAL", "passing"],
    ["SKIPPED", "passing"],
    ["FAILURE", "failing"],
    ["TIMED_OUT", "failing"],
    ["CANCELLED", "failing"],
    ["ACTION_REQUIRED", "failing"],
    ["STARTUP_FAILURE", "failing"],
    ["STALE", "pending"],
    [null, "pending"],
  ] as const)("a completed check run concluding %s is %s", (conclusion, bucket) => {
    expect(checkBucket(run("x", "COMPLETED", conclusion))).toBe(bucket);
  });

  it.each(["QUEUED", "IN_PROGRESS", "PENDING", "REQUESTED", "WAITING"] as const)("a %s check run is pending", (s) => {
    expect(checkBucket(run("x", s, null))).toBe("pending");
  });

  it.each([
    ["SUCCESS", "passing"],
    ["FAILURE", "failing"],
    ["ERROR", "failing"],
    ["PENDING", "pending"],
    ["EXPECTED", "pending"],
  ] as const)("a commit status %s is %s", (state, bucket) => {
    expect(checkBucket(status("ci", state))).toBe(bucket);
  });
});

describe("latestCheckContexts", () => {
  it("keeps the newest run per name and the newest status per context; runs and statuses apart", () => {
    const kept = latestCheckContexts([
      run("build", "COMPLETED", "SUCCESS", "2026-02-05T08:10:00Z"),
      run("build", "COMPLETED", "FAILURE", "2026-02-05T08:00:00Z"),
      status("build", "PENDING"),
      status("ci/x", "FAILURE", "2026-02-05T08:00:00Z"),
      status("ci/x", "SUCCESS", "2026-02-05T08:05:00Z"),
      null,
    ]);
    expect(kept).toStrictEqual([
      run("build", "COMPLETED", "SUCCESS", "2026-02-05T08:10:00Z"),
      status("build", "PENDING"),
      status("ci/x", "SUCCESS", "2026-02-05T08:05:00Z"),
    ]);
  });

  it("a re-run not started yet replaces the finished run; on a tie the later entry wins", () => {
    expect(latestCheckContexts([run("t", "COMPLETED", "FAILURE"), run("t", "QUEUED", null, null)])).toStrictEqual([
      run("t", "QUEUED", null, null),
    ]);
    expect(latestCheckContexts([run("t", "COMPLETED", "FAILURE"), run("t", "COMPLETED", "SUCCESS")])).toStrictEqual([
      run("t", "COMPLETED", "SUCCESS"),
    ]);
  });
});

describe("checksSummary", () => {
  it("no rollup (no CI at all) is all zero", () => {
    expect(checksSummary(null)).toStrictEqual({ total: 0, passing: 0, failing: 0, pending: 0 });
  });

  it("counts standing entries only", () => {
    const rollup = {
      id: "SCR_1",
      state: "FAILURE" as const,
      contexts: {
        pageInfo: { hasNextPage: false, endCursor: null },
        nodes: [
          run("a", "COMPLETED", "FAILURE", "2026-02-05T08:00:00Z"),
          run("a", "COMPLETED", "SUCCESS", "2026-02-05T09:00:00Z"),
          run("b", "IN_PROGRESS", null),
          status("c", "ERROR"),
        ],
      },
    };
    expect(checksSummary(rollup)).toStrictEqual({ total: 3, passing: 1, failing: 1, pending: 1 });
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { act, obs, out, writeJournal } from "../dataset/fixtures.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "stats-cli-"));
  await writeJournal(join(dataDir, "journal"), handDataset());
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const R = "dappcore/core";
/*
 * Worked by hand:
 * PR 1: 3 observations (+1 duplicate), wait, request_review_fix, success (4 h).
 * PR 2: 1 observation, wait, closed (2 h).
 * PR 3: 3 observations (the last after a close: reopened), request_review_fix twice, closed (1 h)
 *       then success (4 h): its latest outcome is success.
 * PR 4: 1 observation, wait, still open.
 * PR 5: no observation, request_review_fix, success (7 h), the outcome written twice.
 * wait: taken 3, on PRs 1, 2, 4; resolved 1 (success) and 2 (closed): rate 1/2, hours 4 and 2.
 * request_review_fix: taken 4, on PRs 1, 3, 5, all success: rate 1, hours 4, 4, 7: mean 5, median 4.
 * Latest outcomes: success PRs 1, 3, 5; closed PR 2.
 */
function handDataset() {
  return [
    obs(R, 1, "2026-02-01T08:00:00.000Z"),
    obs(R, 1, "2026-02-01T09:00:00.000Z"),
    obs(R, 1, "2026-02-01T09:00:00.000Z"),
    act(R, 1, "2026-02-01T09:30:00.000Z", "wait"),
    obs(R, 1, "2026-02-01T10:00:00.000Z"),
    act(R, 1, "2026-02-01T10:30:00.000Z", "request_review_fix"),
    out(R, 1, "2026-02-01T12:00:00.000Z", "success", 4),
    obs(R, 2, "2026-02-02T08:00:00.000Z"),
    act(R, 2, "2026-02-02T09:00:00.000Z", "wait"),
    out(R, 2, "2026-02-02T10:00:00.000Z", "closed", 2),
    obs(R, 3, "2026-02-03T08:00:00.000Z"),
    obs(R, 3, "2026-02-03T08:30:00.000Z"),
    act(R, 3, "2026-02-03T09:00:00.000Z", "request_review_fix"),
    act(R, 3, "2026-02-03T09:30:00.000Z", "request_review_fix"),
    out(R, 3, "2026-02-03T10:00:00.000Z", "closed", 1),
    obs(R, 3, "2026-02-03T11:00:00.000Z", { state: "OPEN" }),
    out(R, 3, "2026-02-03T12:00:00.000Z", "success", 4),
    obs(R, 4, "2026-02-04T08:00:00.000Z"),
    act(R, 4, "2026-02-04T09:00:00.000Z", "wait"),
    act(R, 5, "2026-02-05T09:00:00.000Z", "request_review_fix"),
    out(R, 5, "2026-02-05T10:00:00.000Z", "success", 7),
    out(R, 5, "2026-02-05T10:00:00.000Z", "success", 7),
  ];
}

async function run(args: string[]) {
  const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

describe("pr-telemetry stats", () => {
  it("computes the hand-worked figures (--json)", async () => {
    const { code, out: stdout } = await run(["stats", "--json"]);
    expect(code).toBe(0);
    const stats = JSON.parse(stdout);
    expect(stats.observations).toEqual({
      total: 8,
      prs: 4,
      perPr: [
        { repo: R, pr: 1, count: 3, first: "2026-02-01T08:00:00.000Z", last: "2026-02-01T10:00:00.000Z" },
        { repo: R, pr: 2, count: 1, first: "2026-02-02T08:00:00.000Z", last: "2026-02-02T08:00:00.000Z" },
        { repo: R, pr: 3, count: 3, first: "2026-02-03T08:00:00.000Z", last: "2026-02-03T11:00:00.000Z" },
        { repo: R, pr: 4, count: 1, first: "2026-02-04T08:00:00.000Z", last: "2026-02-04T08:00:00.000Z" },
      ],
    });
    expect(stats.actions).toEqual([
      { action: "request_review_fix", taken: 4, prs: 3, resolved: 3, success: 3, successRate: 1, open: 0, resolutionHours: { mean: 5, median: 4, n: 3 } },
      { action: "wait", taken: 3, prs: 3, resolved: 2, success: 1, successRate: 0.5, open: 1, resolutionHours: { mean: 3, median: 3, n: 2 } },
    ]);
    expect(stats.outcomes).toEqual([
      { result: "closed", prs: 1 },
      { result: "success", prs: 3 },
    ]);
    expect(stats.duplicates).toBe(2);
  });

  it("bounds the window with --since", async () => {
    const stats = JSON.parse((await run(["stats", "--since", "2026-02-03", "--json"])).out);
    expect(stats.since).toBe("2026-02-03T00:00:00.000Z");
    expect(stats.observations.total).toBe(4);
    expect(stats.observations.perPr.map((p: { pr: number }) => p.pr)).toEqual([3, 4]);
    expect(stats.actions).toEqual([
      { action: "request_review_fix", taken: 3, prs: 2, resolved: 2, success: 2, successRate: 1, open: 0, resolutionHours: { mean: 5.5, median: 5.5, n: 2 } },
      { action: "wait", taken: 1, prs: 1, resolved: 0, success: 0, successRate: null, open: 1, resolutionHours: null },
    ]);
    expect(stats.outcomes).toEqual([{ result: "success", prs: 2 }]);
  });

  it("prints readable tables by default", async () => {
    const { code, out: stdout } = await run(["stats", "--repo", R]);
    expect(code).toBe(0);
    expect(stdout).toMatchInlineSnapshot(`
      "Window: the first point to now

      Observations per PR (8 observations of 4 PRs)
        repo           pr  observations  first seen                last seen
        dappcore/core   1             3  2026-02-01T08:00:00.000Z  2026-02-01T10:00:00.000Z
        dappcore/core   2             1  2026-02-02T08:00:00.000Z  2026-02-02T08:00:00.000Z
        dappcore/core   3             3  2026-02-03T08:00:00.000Z  2026-02-03T11:00:00.000Z
        dappcore/core   4             1  2026-02-04T08:00:00.000Z  2026-02-04T08:00:00.000Z

      Actions by type (success rate = PRs whose latest outcome after the action is success / PRs with an outcome)
        action              taken  PRs  resolved  success  success rate  open  mean hours  median hours
        request_review_fix      4    3         3        3  100%             0           5             4
        wait                    3    3         2        1  50%              1           3             3

      Outcomes (PRs by their latest outcome)
        result   PRs
        closed     1
        success    3
      "
    `);
  });

  it.each([
    [["stats", "--since", "soon"], /--since "soon" is not a duration or a date/],
    [["stats", "--repo", "x"], /--repo "x" is not owner\/name/],
    [["stats", "--from", "influx"], /--from influx needs InfluxDB configured/],
  ])("refuses %j with exit code 2", async (args, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

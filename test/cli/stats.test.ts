import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { wilsonInterval } from "../../src/dataset/wilson-interval.js";
import { act, obs, out, writeJournal } from "../dataset/fixtures.js";

const close = (x: number) => expect.closeTo(x, 9);

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
 * Hours from the PR's first such action to the outcome: wait 2.5 (PR 1), 1 (PR 2): median 1.75,
 * p90 1 + 0.9 * 1.5 = 2.35; request_review_fix 1.5, 3, 1: median 1.5, p90 1.5 + 0.8 * 1.5 = 2.7.
 * Improvement within 24 h: only PR 1's wait (checks_failing 0 at 10:00, unknown before): wait 1 of
 * 2 known (PR 4's 24 h are censored: its data ends at 09:00), request_review_fix 0 of 4.
 * Agents: PRs 1-4 are by jules[bot] (jules); PR 5 was never observed: (unknown).
 */
function handDataset() {
  return [
    obs(R, 1, "2026-02-01T08:00:00.000Z"),
    obs(R, 1, "2026-02-01T09:00:00.000Z"),
    obs(R, 1, "2026-02-01T09:00:00.000Z"),
    act(R, 1, "2026-02-01T09:30:00.000Z", "wait"),
    obs(R, 1, "2026-02-01T10:00:00.000Z", { checks_failing: 0 }),
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
      {
        action: "request_review_fix",
        taken: 4,
        prs: 3,
        resolved: 3,
        success: 3,
        successRate: 1,
        open: 0,
        resolutionHours: { mean: 5, median: 4, n: 3 },
        wilson95: wilsonInterval(3, 3),
        hoursToOutcome: { median: 1.5, p90: close(2.7), n: 3 },
        improvedWithin24h: 0,
      },
      {
        action: "wait",
        taken: 3,
        prs: 3,
        resolved: 2,
        success: 1,
        successRate: 0.5,
        open: 1,
        resolutionHours: { mean: 3, median: 3, n: 2 },
        wilson95: wilsonInterval(1, 2),
        hoursToOutcome: { median: 1.75, p90: close(2.35), n: 2 },
        improvedWithin24h: 0.5,
      },
    ]);
    // PR 1: wait 2.5 h, PR 2: 1 h, PR 3: 3 h to their outcomes (the first action of each); PR 5: 1 h.
    expect(stats.agents).toEqual([
      {
        key: "(unknown)",
        author_kind: null,
        taken: 1,
        prs: 1,
        resolved: 1,
        success: 1,
        successRate: 1,
        open: 0,
        resolutionHours: { mean: 7, median: 7, n: 1 },
        wilson95: wilsonInterval(1, 1),
        hoursToOutcome: { median: 1, p90: 1, n: 1 },
        improvedWithin24h: 0,
      },
      {
        key: "jules",
        author_kind: "agent",
        taken: 6,
        prs: 4,
        resolved: 3,
        success: 2,
        successRate: close(2 / 3),
        open: 1,
        resolutionHours: { mean: close(10 / 3), median: 4, n: 3 },
        wilson95: wilsonInterval(2, 3),
        hoursToOutcome: { median: 2.5, p90: close(2.9), n: 3 },
        improvedWithin24h: close(1 / 5),
      },
    ]);
    expect(stats.repos).toEqual([
      {
        key: R,
        taken: 7,
        prs: 5,
        resolved: 4,
        success: 3,
        successRate: 0.75,
        open: 1,
        resolutionHours: { mean: 4.25, median: 4, n: 4 },
        wilson95: wilsonInterval(3, 4),
        hoursToOutcome: { median: 1.75, p90: close(2.85), n: 4 },
        improvedWithin24h: close(1 / 6),
      },
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
      {
        action: "request_review_fix",
        taken: 3,
        prs: 2,
        resolved: 2,
        success: 2,
        successRate: 1,
        open: 0,
        resolutionHours: { mean: 5.5, median: 5.5, n: 2 },
        wilson95: wilsonInterval(2, 2),
        hoursToOutcome: { median: 2, p90: close(2.8), n: 2 },
        improvedWithin24h: 0,
      },
      { action: "wait", taken: 1, prs: 1, resolved: 0, success: 0, successRate: null, open: 1, resolutionHours: null, wilson95: null, hoursToOutcome: null, improvedWithin24h: null },
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
        action              taken  PRs  resolved  success  success rate  95% CI      open  mean hours  median hours  to outcome (median/p90 h)  improved 24h
        request_review_fix      4    3         3        3  100%          43.9%-100%     0           5             4  1.5/2.7                    0%
        wait                    3    3         2        1  50%           9.5%-90.5%     1           3             3  1.75/2.35                  50%

      By agent (the PR author: an agent's name, an unknown bot's login, (human))
        agent      kind   taken  PRs  resolved  success  success rate  95% CI       open  mean hours  median hours  to outcome (median/p90 h)  improved 24h
        (unknown)  -          1    1         1        1  100%          20.7%-100%      0           7             7  1/1                        0%
        jules      agent      6    4         3        2  66.7%         20.8%-93.9%     1        3.33             4  2.5/2.9                    20%

      By repository
        repo           taken  PRs  resolved  success  success rate  95% CI       open  mean hours  median hours  to outcome (median/p90 h)  improved 24h
        dappcore/core      7    5         4        3  75%           30.1%-95.4%     1        4.25             4  1.75/2.85                  16.7%

        95% CI: Wilson interval of the success rate; to outcome: hours from the action to the outcome (median, p90);
        improved 24h: share of the actions followed within 24 h by checks or threads reaching 0, mergeable, CLEAN or a new approval.

      Outcomes (PRs by their latest outcome)
        result   PRs
        closed     1
        success    3
      "
    `);
  });

  it("attributes PRs with PR_TELEMETRY_AGENTS and --repo-config agents:, the variable winning", async () => {
    const file = join(dataDir, "pr-telemetry.yml");
    await writeFile(file, "agents:\n  jules[bot]: from-file\n");
    const keys = async (env: Record<string, string>, args: string[] = []) => {
      const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir, ...env });
      expect(await runCli(["stats", "--json", ...args], io)).toBe(0);
      return JSON.parse(io.out).agents.map((a: { key: string; author_kind: string | null }) => [a.key, a.author_kind]);
    };
    expect(await keys({}, ["--repo-config", file])).toEqual([["(unknown)", null], ["from-file", "agent"]]);
    expect(await keys({ PR_TELEMETRY_AGENTS: "jules[bot]=from-env" }, ["--repo-config", file])).toEqual([["(unknown)", null], ["from-env", "agent"]]);
    const { code, err } = await run(["stats", "--repo-config", join(dataDir, "missing.yml")]);
    expect(code).toBe(2);
    expect(err).toMatch(/--repo-config .*missing.yml cannot be read \(ENOENT\)/);
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

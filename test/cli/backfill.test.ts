import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { checkpointPath } from "../../src/backfill/backfill-checkpoint.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github/index.js";
import { journalPoints } from "../helpers/journal-points.js";

const TOKEN = "ghp_backfill";
let dir: string;
let gh: FakeGitHub | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "backfill-cli-"));
});
afterEach(async () => {
  await gh?.close();
  gh = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function fakeWithClosedPrs(count: number, rateLimit?: number): Promise<FakeGitHub> {
  gh = await startFakeGitHub({ personalTokens: [TOKEN], rateLimit });
  const repo = gh.model.addRepo("acme/app", { requiredApprovals: 0 });
  for (let i = 0; i < count; i++) {
    const pr = gh.model.openPullRequest(repo, { author: `dev${i % 3}` });
    gh.model.completeCheck(pr, "build", "SUCCESS");
    if (i % 2) gh.model.merge(pr);
    else gh.model.close(pr);
  }
  return gh;
}

const env = (g: FakeGitHub) => ({ GITHUB_TOKEN: TOKEN, GHE_HOST: g.host, GHE_PROTOCOL: "http", DATA_DIR: dir });

describe("pr-telemetry backfill", () => {
  it.each([
    [["backfill", "--repo", "acme/app", "--state", "merged"], /--state|Invalid values/],
    [["backfill", "--repo", "acme/app", "--since", "yesterday"], /--since "yesterday" is not a duration or a date/],
    [["backfill", "--repo", "acme/app", "--since", "1d", "--until", "2d"], /--since .* is after --until/],
    [["backfill", "--repo", "not-a-repo"], /--repo must be owner\/name/],
    [["backfill"], /GITHUB_TOKEN cannot list an app's installations: name each repository with --repo/],
  ])("refuses bad arguments with exit 2: %j", async (args, message) => {
    const io = memoryIo({ GITHUB_TOKEN: TOKEN, DATA_DIR: dir });
    expect(await runCli(args, io)).toBe(2);
    expect(io.err).toMatch(message);
  });

  it("backfills the named repositories with GITHUB_TOKEN; a missing one fails with the reason, the others complete (exit 1)", async () => {
    const g = await fakeWithClosedPrs(4);
    const io = memoryIo(env(g));
    const code = await runCli(["backfill", "--repo", "acme/app", "--repo", "acme/gone", "--json"], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/pr-telemetry: acme\/gone failed: not found \(404\)/);
    const summary = JSON.parse(io.out);
    expect(summary).toMatchObject({ repos: 1, prsFound: 4, prsDone: 4, outcomesWritten: 4, failures: [{ repo: "acme/gone" }] });
    const points = (await journalPoints(dir)).points;
    expect(points.filter((p) => p.measurement === "outcome").map((p) => p.fields["result"]).sort()).toEqual(["closed", "closed", "success", "success"]);
    expect(JSON.parse(await readFile(checkpointPath(dir, "acme/app"), "utf8")).done).toHaveProperty("1");
    // Plain progress lines (stderr is not a terminal), then the summary.
    expect(io.err).toMatch(/^done acme\/app: 4\/4 PRs, \d+ points written, GitHub budget \d+$/m);
  });

  it("draws a progress bar on a terminal: PRs done / found, points written, GitHub budget left", async () => {
    const g = await fakeWithClosedPrs(3);
    const io = Object.assign(memoryIo(env(g)), { isTTY: true, columns: 120 });
    expect(await runCli(["backfill", "--repo", "acme/app"], io)).toBe(0);
    expect(io.err).toMatch(/\r\x1b\[2Kbackfill acme\/app \[#+\] 3\/3 PRs, \d+ points, budget \d+\n$/);
    expect(io.out).toMatch(/^Backfill of .* done in .* s\n {2}repositories {10}1\n {2}pull requests {9}3 of 3\n/);
  });

  it("a dry run reads everything and writes nothing, not even a checkpoint", async () => {
    const g = await fakeWithClosedPrs(2);
    const io = memoryIo(env(g));
    expect(await runCli(["backfill", "--repo", "acme/app", "--dry-run", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ dryRun: true, prsDone: 2, outcomesWritten: 2 });
    expect((await journalPoints(dir)).points).toEqual([]);
    await expect(readFile(checkpointPath(dir, "acme/app"), "utf8")).rejects.toThrow();
  });

  it("stops at the rate limit's safety margin with a resume hint; the checkpoint holds the pull requests done", async () => {
    // 5000 points, the margin 200: the budget is nearly spent before the run starts.
    const g = await fakeWithClosedPrs(25, 202);
    const io = memoryIo(env(g));
    expect(await runCli(["backfill", "--repo", "acme/app", "--json"], io)).toBe(1);
    expect(io.err).toMatch(/backfill stopped early: GITHUB_TOKEN: GitHub's GraphQL budget is down to 19\d points \(safety margin 200\); it resets at .*: run the same backfill again after that, it goes on from its checkpoints/);
    const first = JSON.parse(io.out);
    expect(first.prsDone).toBeGreaterThan(0);
    expect(first.prsDone).toBeLessThan(25);
    expect(Object.keys(JSON.parse(await readFile(checkpointPath(dir, "acme/app"), "utf8")).done)).toHaveLength(first.prsDone);
  });
});

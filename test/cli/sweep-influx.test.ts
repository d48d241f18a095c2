import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { closedNode, configsBody, openPage, prNode } from "../sweep/github-shapes.js";

const API = "https://api.github.com";
let influx: Influxd;
let root: string;

beforeAll(async () => {
  influx = await startInfluxd();
  root = await mkdtemp(join(tmpdir(), "sweep-influx-"));
});

afterAll(async () => {
  await influx?.close();
  await rm(root, { recursive: true, force: true });
});

/** One GitHub Actions run: a fresh runner disk (DATA_DIR), the store in InfluxDB 1.x. */
async function actionsRun(name: string, args: string[]) {
  const io = memoryIo({
    GITHUB_TOKEN: "ghp_token",
    DATA_DIR: join(root, name),
    INFLUX_HOST: influx.url,
    INFLUX_DATABASE: influx.database,
  });
  const code = await runCli(["sweep", ...args, "--json"], io);
  return { code, io, summary: code === 0 ? JSON.parse(io.out) : undefined };
}

function github(open: ReturnType<typeof prNode>[]) {
  return [
    nock(API)
      .post("/graphql", (b) => b.query.includes("query RepoConfigs"))
      .reply(200, configsBody({ r0: null }, ["g0"])),
    nock(API)
      .post("/graphql", (b) => b.query.includes("query OpenPullRequests"))
      .reply(200, openPage(open, null)),
  ];
}

describe("pr-telemetry sweep on GitHub Actions with InfluxDB (a fresh runner disk each run)", () => {
  it("writes through to InfluxDB, and a later run fills the outcome of a merge the webhooks missed, once", async () => {
    // Run 1: PRs 1 and 2 open.
    const run1Scopes = github([prNode({ repo: "octo/a", number: 1 }), prNode({ repo: "octo/a", number: 2 })]);
    const run1 = await actionsRun("run1", ["--repo", "octo/a"]);
    expect(run1.io.err).toBe("[1/1] swept octo/a: 2 open PRs\n");
    expect(run1.code).toBe(0);
    for (const s of run1Scopes) expect(s.isDone()).toBe(true);
    expect(await influx.rows(`SELECT count("state") FROM "pr_observation" WHERE "trigger" = 'sweep'`)).toEqual([
      { time: 0, count: 2 },
    ]);

    // Run 2, another runner: PR 2 was merged with no webhook; the store (InfluxDB) still shows it open.
    const run2Scopes = [
      ...github([prNode({ repo: "octo/a", number: 1 })]),
      nock(API)
        .post("/graphql", (b) => b.query.includes("query ClosedPullRequests") && b.variables.p0 === 2 && b.variables.p1 === undefined)
        .reply(200, {
          data: {
            repository: {
              p0: closedNode({ repo: "octo/a", number: 2, createdAt: "2026-01-01T00:00:00Z", closedAt: "2026-01-01T06:00:00Z", mergedAt: "2026-01-01T06:00:00Z", mergedBy: "octocat" }),
            },
            rateLimit: { cost: 1, remaining: 4990, resetAt: "2026-01-01T07:00:00Z" },
          },
        }),
    ];
    const run2 = await actionsRun("run2", ["--repo", "octo/a"]);

    expect(run2.code).toBe(0);
    for (const s of run2Scopes) expect(s.isDone()).toBe(true);
    expect(run2.summary).toMatchObject({ openPrs: 1, outcomesFilled: 1, observationsWritten: 2 });
    expect(await influx.rows(`SELECT "result", "detail", "resolution_hours", "source" FROM "outcome" WHERE "pr" = '2'`)).toEqual([
      { time: Date.parse("2026-01-01T06:00:00Z"), result: "success", detail: "merged by octocat", resolution_hours: 6, source: "sweep" },
    ]);

    // Run 3: the final MERGED observation is in InfluxDB, so nothing is asked about PR 2 again.
    const run3Scopes = github([prNode({ repo: "octo/a", number: 1 })]);
    const run3 = await actionsRun("run3", ["--repo", "octo/a"]);

    expect(run3.code).toBe(0);
    for (const s of run3Scopes) expect(s.isDone()).toBe(true);
    expect(run3.summary).toMatchObject({ outcomesFilled: 0, githubRequests: 2 });
    expect(nock.pendingMocks()).toEqual([]);
  });
});

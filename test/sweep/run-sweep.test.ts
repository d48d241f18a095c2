import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AttemptSource } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../../src/repo-config/repo-config.js";
import { openStore, type TelemetryStore } from "../../src/store/open-store.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { runSweep, type RunSweepOptions, type SweepTarget } from "../../src/sweep/run-sweep.js";
import { closedNode, notFoundBody, openPage, prNode, restRepo } from "./github-shapes.js";

const API = "https://api.github.com";
const log = pino({ level: "silent" });
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const NOW = new Date("2026-02-05T09:00:00.000Z");

let dir: string;
let store: TelemetryStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sweep-"));
  store = await openStore(loadConfig({ DATA_DIR: dir, FLUSH_INTERVAL_MS: "10" }), log);
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function target(repos?: string[]): SweepTarget {
  return { name: "installation 1 (octo)", octokit: new TestOctokit({ auth: { token: "ghs_installation" } }), repos };
}

async function stored(): Promise<Point[]> {
  const out: Point[] = [];
  for await (const p of store.read()) out.push(p);
  return out.sort((a, b) => a.time.getTime() - b.time.getTime() || a.tags.pr!.localeCompare(b.tags.pr!));
}

function options(targets: SweepTarget[], extra: Partial<RunSweepOptions> = {}): RunSweepOptions {
  return {
    targets,
    store,
    attempts: { get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }) },
    repoConfigs: { get: async () => DEFAULT_REPO_CONFIG },
    log,
    now: () => NOW,
    ...extra,
  };
}

/** Nock for one open-PRs page of `repo`; asserts the variables the sweep sends. */
function pageOf(repo: string, after: string | null, body: object, first = 50) {
  const [owner, name] = repo.split("/");
  return nock(API)
    .post("/graphql", (b) => b.query.includes("query OpenPullRequests") && b.variables.owner === owner && b.variables.name === name && b.variables.after === after && b.variables.first === first)
    .reply(200, body);
}

describe("runSweep", () => {
  it("pages through 3 pages of open PRs and writes one sweep observation each", async () => {
    const nodes = Array.from({ length: 120 }, (_, i) => prNode({ repo: "octo/app", number: i + 1 }));
    const scopes = [
      pageOf("octo/app", null, openPage(nodes.slice(0, 50), "Y3Vyc29yOjUw")),
      pageOf("octo/app", "Y3Vyc29yOjUw", openPage(nodes.slice(50, 100), "Y3Vyc29yOjEwMA==")),
      pageOf("octo/app", "Y3Vyc29yOjEwMA==", openPage(nodes.slice(100), null, 4870)),
    ];
    const attempts: AttemptSource = { get: async (_repo, pr) => ({ conflictAttempts: pr === 7 ? 2 : 0, reviewFixAttempts: pr === 8 ? 1 : 0 }) };
    const summary = await runSweep(options([target(["octo/app"])], { attempts }));

    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(summary).toMatchObject({
      repos: 1,
      openPrs: 120,
      observationsWritten: 120,
      outcomesFilled: 0,
      observationsFilled: 0,
      githubRequests: 3,
      rateLimitRemaining: 4870,
      failures: [],
      skipped: [],
      dryRun: false,
    });
    expect(summary.stoppedEarly).toBeUndefined();
    const points = await stored();
    expect(points).toHaveLength(120);
    expect(new Set(points.map((p) => p.tags.pr)).size).toBe(120);
    for (const p of points) {
      expect(p.measurement).toBe("pr_observation");
      expect(p.time.toISOString()).toBe(NOW.toISOString());
      expect(p.tags.repo).toBe("octo/app");
      expect(p.fields.trigger).toBe("sweep");
    }
    expect(points.find((p) => p.tags.pr === "7")!.fields.conflict_attempts).toBe(2);
    expect(points.find((p) => p.tags.pr === "8")!.fields.review_fix_attempts).toBe(1);
  });

  it("lists the installation's repositories (paginated) when none are named, leaving archived ones out", async () => {
    const list = nock(API)
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, { total_count: 3, repository_selection: "all", repositories: [restRepo("octo/a", 1), restRepo("octo/old", 2, true)] }, {
        link: `<${API}/installation/repositories?per_page=100&page=2>; rel="next", <${API}/installation/repositories?per_page=100&page=2>; rel="last"`,
      })
      .get("/installation/repositories")
      .query({ per_page: 100, page: 2 })
      .reply(200, { total_count: 3, repository_selection: "all", repositories: [restRepo("octo/b", 3)] });
    const a = pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null));
    const b = pageOf("octo/b", null, openPage([prNode({ repo: "octo/b", number: 2 })], null));
    const summary = await runSweep(options([target()]));
    for (const s of [list, a, b]) expect(s.isDone()).toBe(true);
    expect(summary).toMatchObject({ repos: 2, openPrs: 2, githubRequests: 4, skipped: [{ repo: "octo/old", reason: "archived" }] });
  });

  it("gap-fill: a PR open in the store and now merged gets one outcome and a final observation", async () => {
    // The store: PR 5 seen open an hour ago; PR 6 seen open and its close already recorded by the webhook.
    const hourAgo = new Date(NOW.getTime() - 3_600_000);
    await store.write([
      makePoint("pr_observation", hourAgo, { repo: "octo/app", pr: "5", author: "octocat" }, { state: "OPEN", head_sha: "x", trigger: "pull_request.opened" }),
      makePoint("pr_observation", hourAgo, { repo: "octo/app", pr: "6", author: "octocat" }, { state: "OPEN", head_sha: "y", trigger: "pull_request.opened" }),
      makePoint("outcome", new Date(NOW.getTime() - 1_800_000), { repo: "octo/app", pr: "6" }, { result: "closed", detail: "closed by octocat", resolution_hours: 1, source: "webhook" }),
    ]);
    const list = pageOf("octo/app", null, openPage([prNode({ repo: "octo/app", number: 9 })], null));
    const gap = nock(API)
      .post("/graphql", (b) => b.query.includes("query ClosedPullRequests") && b.variables.p0 === 5 && b.variables.p1 === undefined)
      .reply(200, {
        data: {
          repository: {
            p0: closedNode({
              repo: "octo/app",
              number: 5,
              createdAt: "2026-02-05T07:00:00Z",
              closedAt: "2026-02-05T08:30:00Z",
              mergedAt: "2026-02-05T08:30:00Z",
              mergedBy: "merge-bot",
              autoMergeEnabledAt: "2026-02-05T08:00:00Z",
            }),
          },
          rateLimit: { cost: 1, remaining: 4800, resetAt: "2026-02-05T10:00:00Z" },
        },
      });

    const summary = await runSweep(options([target(["octo/app"])]));
    expect(list.isDone() && gap.isDone()).toBe(true);
    expect(summary).toMatchObject({ openPrs: 1, outcomesFilled: 1, observationsWritten: 2, githubRequests: 2, rateLimitRemaining: 4800 });

    const outcomes = (await stored()).filter((p) => p.measurement === "outcome" && p.tags.pr === "5");
    expect(outcomes).toEqual([
      {
        measurement: "outcome",
        time: new Date("2026-02-05T08:30:00.000Z"),
        tags: { repo: "octo/app", pr: "5" },
        fields: { result: "success", detail: "merged via auto-merge", resolution_hours: 1.5, source: "sweep" },
      },
    ]);
    const final = (await stored()).filter((p) => p.measurement === "pr_observation" && p.tags.pr === "5" && p.fields.trigger === "sweep");
    expect(final).toHaveLength(1);
    expect(final[0]!.time.toISOString()).toBe(NOW.toISOString());
    expect(final[0]!.fields.state).toBe("MERGED");

    // A second sweep finds nothing left to fill: the final observation says MERGED.
    pageOf("octo/app", null, openPage([prNode({ repo: "octo/app", number: 9 })], null));
    const again = await runSweep(options([target(["octo/app"])], { now: () => new Date(NOW.getTime() + 900_000) }));
    expect(again).toMatchObject({ outcomesFilled: 0, githubRequests: 1 });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("gap-fill writes nothing when the outcome of that close is already stored (the webhook's)", async () => {
    const hourAgo = new Date(NOW.getTime() - 3_600_000);
    // The close handler wrote the outcome at the close time but its final observation was lost.
    await store.write([
      makePoint("pr_observation", hourAgo, { repo: "octo/app", pr: "5", author: "octocat" }, { state: "OPEN", trigger: "pull_request.opened" }),
      makePoint("pr_observation", new Date(NOW.getTime() - 1_000_000), { repo: "octo/app", pr: "5", author: "octocat" }, { state: "OPEN", trigger: "check_run.completed" }),
    ]);
    await store.write([makePoint("outcome", new Date("2026-02-05T08:30:00Z"), { repo: "octo/app", pr: "5" }, { result: "closed", detail: "closed by octocat", resolution_hours: 1.5, source: "webhook" })]);
    pageOf("octo/app", null, openPage([], null));
    const gap = nock(API)
      .post("/graphql", (b) => b.query.includes("query ClosedPullRequests"))
      .reply(200, {
        data: {
          repository: { p0: closedNode({ repo: "octo/app", number: 5, createdAt: "2026-02-05T07:00:00Z", closedAt: "2026-02-05T08:30:00Z" }) },
          rateLimit: { cost: 1, remaining: 4800, resetAt: "2026-02-05T10:00:00Z" },
        },
      });
    const before = (await stored()).length;
    const summary = await runSweep(options([target(["octo/app"])]));
    expect(gap.isDone()).toBe(true);
    expect(summary).toMatchObject({ outcomesFilled: 0, observationsWritten: 0 });
    expect(await stored()).toHaveLength(before);
  });

  it("a repository that 404s (uninstalled) and one that 502s do not stop the others", async () => {
    // octo/down: 502 at 50, then at 25, 12 and 10 PRs a page: GitHub keeps failing, the repository fails.
    const scopes = [
      pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null)),
      pageOf("octo/gone", null, notFoundBody("octo", "gone")),
      ...[50, 25, 12, 10].map((first) =>
        nock(API)
          .post("/graphql", (b) => b.variables.name === "down" && b.variables.first === first)
          .reply(502, "<html>502 Bad Gateway</html>", { "content-type": "text/html" }),
      ),
      pageOf("octo/z", null, openPage([prNode({ repo: "octo/z", number: 3 })], null)),
    ];
    const summary = await runSweep(options([target(["octo/a", "octo/gone", "octo/down", "octo/z"])]));
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(summary.repos).toBe(2);
    expect(summary.openPrs).toBe(2);
    expect(summary.failures).toEqual([
      { repo: "octo/gone", reason: expect.stringContaining("not found (404)") },
      { repo: "octo/down", reason: expect.stringContaining("GitHub answered 502 after retries") },
    ]);
    expect((await stored()).map((p) => p.tags.repo).sort()).toEqual(["octo/a", "octo/z"]);
  });

  it("a 502 on a big page is asked again with half the page size and then succeeds", async () => {
    const failing = nock(API)
      .post("/graphql", (b) => b.variables.first === 50)
      .reply(502, "<html>502 Bad Gateway</html>", { "content-type": "text/html" });
    const half = pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null), 25);
    const summary = await runSweep(options([target(["octo/a"])]));
    expect(failing.isDone() && half.isDone()).toBe(true);
    expect(summary).toMatchObject({ repos: 1, openPrs: 1, failures: [], githubRequests: 2 });
  });

  it("a page GitHub refuses for its node count (MAX_NODE_LIMIT_EXCEEDED) is asked again with half the page size", async () => {
    const refused = nock(API)
      .post("/graphql", (b) => b.variables.first === 50)
      .reply(200, {
        errors: [{ type: "MAX_NODE_LIMIT_EXCEEDED", message: "This query requests up to 515,050 possible nodes which exceeds the maximum limit of 500,000." }],
      });
    const half = pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null), 25);
    const summary = await runSweep(options([target(["octo/a"])]));
    expect(refused.isDone() && half.isDone()).toBe(true);
    expect(summary).toMatchObject({ repos: 1, openPrs: 1, failures: [], githubRequests: 2 });
  });

  it("keeps the smaller page size for the repository's next pages", async () => {
    const failing = nock(API)
      .post("/graphql", (b) => b.variables.first === 50)
      .reply(502, "<html>502 Bad Gateway</html>", { "content-type": "text/html" });
    const first = pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], "Y3Vyc29yOjE="), 25);
    const second = pageOf("octo/a", "Y3Vyc29yOjE=", openPage([prNode({ repo: "octo/a", number: 2 })], null), 25);
    const summary = await runSweep(options([target(["octo/a"])]));
    expect(failing.isDone() && first.isDone() && second.isDone()).toBe(true);
    expect(summary).toMatchObject({ repos: 1, openPrs: 2, failures: [], githubRequests: 3 });
  });

  it("stops early and says so when the GraphQL budget falls below the safety margin", async () => {
    const a1 = pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], "Y3Vyc29yOjE=", 150));
    const summary = await runSweep(options([target(["octo/a", "octo/b", "octo/c"])], { safetyMargin: 200 }));
    expect(a1.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
    expect(summary.stoppedEarly).toBe(
      "installation 1 (octo): GraphQL rate limit down to 150 points (safety margin 200, resets at 2026-02-05T10:00:00Z) while listing octo/a (its open list is partial, no gap-fill)",
    );
    expect(summary.skipped).toEqual([
      { repo: "octo/b", reason: "rate limit safety margin reached" },
      { repo: "octo/c", reason: "rate limit safety margin reached" },
    ]);
    expect(summary).toMatchObject({ repos: 1, openPrs: 1, observationsWritten: 1, rateLimitRemaining: 150, failures: [] });
    expect(await stored()).toHaveLength(1);
  });

  it("stops before the next repository when the last answer left the budget under the margin", async () => {
    pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null, 199));
    const summary = await runSweep(options([target(["octo/a", "octo/b"])], { safetyMargin: 200 }));
    expect(summary.stoppedEarly).toMatch(/down to 199 points .* 1 repositories left for the next sweep$/);
    expect(summary.skipped).toEqual([{ repo: "octo/b", reason: "rate limit safety margin reached" }]);
  });

  it("stops between repositories when told to shut down, and says so", async () => {
    const abort = new AbortController();
    pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null));
    const summary = await runSweep(
      options([target(["octo/a", "octo/b"])], { signal: abort.signal, onProgress: (p) => p.repo === "octo/a" && abort.abort() }),
    );
    expect(summary).toMatchObject({ repos: 1, openPrs: 1, stoppedEarly: "shutting down" });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("waits out a secondary rate limit's retry-after, then goes on", async () => {
    const limited = nock(API)
      .post("/graphql")
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" }, { "retry-after": "3" });
    const ok = pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 })], null));
    const waits: number[] = [];
    const summary = await runSweep(options([target(["octo/a"])], { sleep: async (ms) => void waits.push(ms) }));
    expect(limited.isDone() && ok.isDone()).toBe(true);
    expect(waits).toEqual([3000]);
    expect(summary).toMatchObject({ repos: 1, failures: [], githubRequests: 2 });
  });

  it("follows a PR's check contexts past the first 100, so its counts are complete", async () => {
    const big = prNode({ repo: "octo/a", number: 1 });
    const rollup = big.commits.nodes![0]!.commit.statusCheckRollup!;
    rollup.contexts.pageInfo = { hasNextPage: true, endCursor: "Y3Vyc29yOjEwMA==" };
    pageOf("octo/a", null, openPage([big, prNode({ repo: "octo/a", number: 2 })], null));
    const follow = nock(API)
      .post("/graphql", (b) => b.query.includes("query CheckContextsPage") && b.variables.id === rollup.id && b.variables.after === "Y3Vyc29yOjEwMA==")
      .reply(200, {
        data: {
          node: {
            contexts: {
              pageInfo: { hasNextPage: false, endCursor: "Y3Vyc29yOjEwMQ==" },
              nodes: [{ __typename: "CheckRun", name: "e2e", status: "COMPLETED", conclusion: "FAILURE", startedAt: "2026-01-01T12:01:00Z", completedAt: "2026-01-01T12:09:00Z" }],
            },
          },
        },
      });
    const summary = await runSweep(options([target(["octo/a"])]));
    expect(follow.isDone()).toBe(true);
    expect(summary).toMatchObject({ openPrs: 2, githubRequests: 2 });
    const points = await stored();
    expect(points.find((p) => p.tags.pr === "1")!.fields).toMatchObject({ checks_total: 3, checks_failing: 1 });
    expect(points.find((p) => p.tags.pr === "2")!.fields).toMatchObject({ checks_total: 2, checks_failing: 0 });
  });

  it("dry run: reads GitHub and the store, counts what it would write, writes nothing", async () => {
    await store.close();
    const fresh = join(dir, "fresh");
    store = await openStore(loadConfig({ DATA_DIR: fresh }), log);
    pageOf("octo/a", null, openPage([prNode({ repo: "octo/a", number: 1 }), prNode({ repo: "octo/a", number: 2 })], null));
    const summary = await runSweep(options([target(["octo/a"])], { dryRun: true }));
    expect(summary).toMatchObject({ dryRun: true, openPrs: 2, observationsWritten: 2 });
    await store.close();
    expect(await readdir(join(fresh, "journal")).catch(() => [])).toEqual([]);
    store = await openStore(loadConfig({ DATA_DIR: fresh }), log);
  });

  it("honours .github/pr-telemetry.yml: enabled false and sweep_interval_minutes", async () => {
    const configs: Record<string, RepoConfig> = {
      "octo/off": { ...DEFAULT_REPO_CONFIG, enabled: false },
      "octo/hourly": { ...DEFAULT_REPO_CONFIG, sweep_interval_minutes: 60 },
      "octo/never": { ...DEFAULT_REPO_CONFIG, sweep_interval_minutes: 0 },
    };
    // octo/hourly was swept 20 minutes ago (the store says so): not due on a 15-minute runner.
    await store.write([makePoint("pr_observation", new Date(NOW.getTime() - 20 * 60_000), { repo: "octo/hourly", pr: "1", author: "a" }, { state: "OPEN", trigger: "sweep" })]);
    const each = pageOf("octo/each", null, openPage([], null));
    const summary = await runSweep(
      options([target(["octo/off", "octo/hourly", "octo/never", "octo/each"])], { repoConfigs: { get: async (repo: string) => configs[repo] ?? DEFAULT_REPO_CONFIG } }),
    );
    expect(each.isDone()).toBe(true);
    expect(summary.repos).toBe(1);
    expect(summary.skipped).toEqual([
      { repo: "octo/off", reason: "disabled by .github/pr-telemetry.yml (enabled: false)" },
      { repo: "octo/hourly", reason: "not due: swept 20 min ago, sweep_interval_minutes is 60" },
      { repo: "octo/never", reason: "sweep_interval_minutes is 0 in .github/pr-telemetry.yml" },
    ]);
  });

  it("remembers each repository's last sweep in the caller's map (a repository without open PRs leaves no point)", async () => {
    const hourly = { ...DEFAULT_REPO_CONFIG, sweep_interval_minutes: 60 };
    const lastSweptAt = new Map<string, Date>();
    pageOf("Octo/Empty", null, openPage([], null));
    const first = await runSweep(options([target(["Octo/Empty"])], { repoConfigs: { get: async () => hourly }, lastSweptAt }));
    expect(first.repos).toBe(1);
    expect(lastSweptAt.get("octo/empty")).toEqual(NOW);
    const second = await runSweep(
      options([target(["Octo/Empty"])], { repoConfigs: { get: async () => hourly }, lastSweptAt, now: () => new Date(NOW.getTime() + 15 * 60_000) }),
    );
    expect(second.repos).toBe(0);
    expect(second.skipped).toEqual([{ repo: "Octo/Empty", reason: "not due: swept 15 min ago, sweep_interval_minutes is 60" }]);
  });

  it("counts observations the webhooks missed: a new head commit and a PR never seen", async () => {
    const dayAgo = new Date(NOW.getTime() - 86_400_000);
    await store.write([
      makePoint("pr_observation", dayAgo, { repo: "octo/a", pr: "1", author: "octocat" }, { state: "OPEN", head_sha: "old", is_draft: false, base_ref: "main", trigger: "pull_request.opened" }),
      makePoint("pr_observation", dayAgo, { repo: "octo/a", pr: "2", author: "octocat" }, { state: "OPEN", head_sha: "same", is_draft: false, base_ref: "main", trigger: "pull_request.opened" }),
    ]);
    pageOf(
      "octo/a",
      null,
      openPage(
        [
          prNode({ repo: "octo/a", number: 1, headSha: "new", updatedAt: "2026-02-05T08:00:00Z" }), // synchronize lost
          prNode({ repo: "octo/a", number: 2, headSha: "same", updatedAt: "2026-02-05T08:00:00Z" }), // nothing lost
          prNode({ repo: "octo/a", number: 3, createdAt: "2026-02-05T07:00:00Z", updatedAt: "2026-02-05T07:00:00Z" }), // opened lost
          prNode({ repo: "octo/a", number: 4, headSha: "x", createdAt: "2026-02-05T08:58:00Z", updatedAt: "2026-02-05T08:58:00Z" }), // in flight
        ],
        null,
      ),
    );
    const summary = await runSweep(options([target(["octo/a"])]));
    expect(summary).toMatchObject({ openPrs: 4, observationsFilled: 2 });
  });
});

import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { sweepCommand } from "../../src/cli/commands/sweep.js";
import { openStore } from "../../src/store/open-store.js";
import { configsBody, notFoundBody, openPage, prNode, restRepo } from "../sweep/github-shapes.js";

const API = "https://api.github.com";
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sweep-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The batched config query for `repos` of one owner, none with a .github/pr-telemetry.yml, nor a .github repository. */
function noConfigFile(base: string, ...repos: string[]) {
  const files = Object.fromEntries(repos.map((_, i) => [`r${i}`, null]));
  return nock(base)
    .post("/graphql", (b) => b.query.includes("query RepoConfigs") && repos.every((r, i) => `${b.variables[`o${i}`]}/${b.variables[`n${i}`]}` === r))
    .reply(200, configsBody(files, ["g0"]));
}

function graphqlPage(base: string, repo: string, body: object, auth: string) {
  const [owner, name] = repo.split("/");
  return nock(base, { reqheaders: { authorization: auth } })
    .post("/graphql", (b) => b.query.includes("query OpenPullRequests") && b.variables.owner === owner && b.variables.name === name)
    .reply(200, body);
}

async function journalLines(): Promise<string[]> {
  const files = await readdir(join(dir, "journal")).catch(() => [] as string[]);
  const lines: string[] = [];
  for (const f of files) lines.push(...(await readFile(join(dir, "journal", f), "utf8")).split("\n").filter(Boolean));
  return lines;
}

describe("pr-telemetry sweep", () => {
  it("with GITHUB_TOKEN sweeps the named repositories and prints the summary as JSON", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    const scopes = [
      noConfigFile(API, "octo/a"),
      graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 }), prNode({ repo: "octo/a", number: 2 })], null, 4990), "token ghp_token"),
    ];
    const code = await runCli(["sweep", "--repo", "octo/a", "--json"], io);
    expect(io.err).toBe("[1/1] swept octo/a: 2 open PRs\n");
    expect(code).toBe(0);
    for (const s of scopes) expect(s.isDone()).toBe(true);
    const summary = JSON.parse(io.out);
    expect(summary).toMatchObject({
      dryRun: false,
      repos: 1,
      openPrs: 2,
      observationsWritten: 2,
      outcomesFilled: 0,
      observationsFilled: 0,
      githubRequests: 2,
      rateLimitRemaining: 4990,
      failures: [],
      skipped: [],
    });
    const lines = await journalLines();
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ measurement: "pr_observation", tags: { repo: "octo/a", pr: "1", author: "octocat" }, fields: { trigger: "sweep" } });
  });

  it("prints a readable summary without --json", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    noConfigFile(API, "octo/a");
    graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null, 4990), "token ghp_token");
    expect(await runCli(["sweep", "--repo", "octo/a"], io)).toBe(0);
    expect(io.out.replace(/done in [\d.]+ s/, "done in X s")).toBe(
      [
        "Sweep done in X s",
        "  repositories swept    1",
        "  open pull requests    1",
        "  observations written  1",
        "  outcomes filled       0  (closes the webhooks missed)",
        "  observations filled   0  (changes the webhooks missed)",
        "  GitHub requests       2",
        "  rate limit left       4990 GraphQL points",
        "",
      ].join("\n"),
    );
  });

  it("draws a progress bar on a terminal", async () => {
    const io = { ...memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir }), isTTY: true, columns: 80 };
    const rec = memoryIo();
    io.stderr = rec.stderr;
    noConfigFile(API, "octo/a");
    graphqlPage(API, "octo/a", openPage([], null), "token ghp_token");
    expect(await runCli(["sweep", "--repo", "octo/a", "--json"], io)).toBe(0);
    expect(rec.err).toBe("\r\x1b[2Ksweep [##############################] 1/1 octo/a\n");
  });

  it("with GITHUB_TOKEN and no --repo: exit 2 and what to do", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    expect(await runCli(["sweep"], io)).toBe(2);
    expect(io.err).toContain("GITHUB_TOKEN cannot list an app's installations: name each repository with --repo owner/name");
    expect(await journalLines()).toEqual([]);
  });

  it("without credentials: exit 2 naming the variables", async () => {
    const io = memoryIo({ DATA_DIR: dir });
    expect(await runCli(["sweep", "--repo", "octo/a"], io)).toBe(2);
    expect(io.err).toBe(
      "pr-telemetry: no GitHub credentials: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) to act as the app, or GITHUB_TOKEN with --repo\n",
    );
  });

  it("a malformed --repo: exit 2", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    expect(await runCli(["sweep", "--repo", "not-a-repo"], io)).toBe(2);
    expect(io.err).toContain('--repo must be owner/name, e.g. dappcore/core; got "not-a-repo"');
  });

  it("as the app: lists installations and their repositories, takes an installation token; a 404 repo fails with exit 1, the other is swept", async () => {
    const io = memoryIo({ APP_ID: "12345", PRIVATE_KEY: privateKey, DATA_DIR: dir });
    const app = nock(API, { reqheaders: { authorization: (v: string) => v.startsWith("bearer ") } })
      .get("/app/installations")
      .query({ per_page: 100 })
      .reply(200, [
        { id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345, target_type: "Organization", suspended_at: null },
        { id: 78, account: { login: "paused", id: 2, type: "Organization" }, app_id: 12345, target_type: "Organization", suspended_at: "2026-01-01T00:00:00Z" },
      ])
      .post("/app/installations/77/access_tokens")
      .reply(201, { token: "ghs_installation77", expires_at: "2026-02-05T10:00:00Z", permissions: { pull_requests: "read" }, repository_selection: "all" });
    const installation = nock(API, { reqheaders: { authorization: "token ghs_installation77" } })
      .get("/installation/repositories")
      .query({ per_page: 100 })
      .reply(200, { total_count: 2, repository_selection: "all", repositories: [restRepo("octo/a", 1), restRepo("octo/gone", 2)] });
    const scopes = [
      app,
      installation,
      noConfigFile(API, "octo/a", "octo/gone"),
      graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null), "token ghs_installation77"),
      graphqlPage(API, "octo/gone", notFoundBody("octo", "gone"), "token ghs_installation77"),
    ];
    const code = await runCli(["sweep", "--json"], io);
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(code).toBe(1);
    const summary = JSON.parse(io.out);
    expect(summary).toMatchObject({ repos: 1, openPrs: 1, observationsWritten: 1 });
    // 1 installation listing + 1 installation token + 1 repository listing + 1 config query + 2 GraphQL pages
    expect(summary.githubRequests).toBe(6);
    expect(summary.failures).toEqual([{ repo: "octo/gone", reason: expect.stringContaining("not found (404)") }]);
    expect(io.err).toContain("pr-telemetry: octo/gone failed: not found (404)");
    expect(await journalLines()).toHaveLength(1);
  });

  it("as the app with --installation and --repo: finds the repository's installation, sweeps only it", async () => {
    const io = memoryIo({ APP_ID: "12345", PRIVATE_KEY: privateKey, DATA_DIR: dir });
    const scopes = [
      nock(API)
        .get("/app/installations/77")
        .reply(200, { id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345, target_type: "Organization", suspended_at: null })
        .get("/repos/octo/a/installation")
        .reply(200, { id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345 })
        .get("/repos/other/b/installation")
        .reply(200, { id: 99, account: { login: "other", id: 3, type: "Organization" }, app_id: 12345 })
        .post("/app/installations/77/access_tokens")
        .reply(201, { token: "ghs_77", expires_at: "2026-02-05T10:00:00Z", permissions: {}, repository_selection: "all" }),
      noConfigFile(API, "octo/a"),
      graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null), "token ghs_77"),
    ];
    const code = await runCli(["sweep", "--installation", "77", "--repo", "octo/a", "--repo", "other/b", "--json"], io);
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(code).toBe(1);
    expect(JSON.parse(io.out).failures).toEqual([{ repo: "other/b", reason: "it belongs to installation 99, not the one named with --installation" }]);
  });

  it("as the app with --installation: sweeps only that installation's repositories", async () => {
    const io = memoryIo({ APP_ID: "12345", PRIVATE_KEY: privateKey, DATA_DIR: dir });
    const scopes = [
      nock(API)
        .get("/app/installations/77")
        .reply(200, { id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345, target_type: "Organization", suspended_at: null })
        .post("/app/installations/77/access_tokens")
        .reply(201, { token: "ghs_77", expires_at: "2026-02-05T10:00:00Z", permissions: {}, repository_selection: "selected" })
        .get("/installation/repositories")
        .query({ per_page: 100 })
        .reply(200, { total_count: 1, repository_selection: "selected", repositories: [restRepo("octo/a", 1)] }),
      noConfigFile(API, "octo/a"),
      graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null), "token ghs_77"),
    ];
    expect(await runCli(["sweep", "--installation", "77", "--json"], io)).toBe(0);
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(JSON.parse(io.out)).toMatchObject({ repos: 1, openPrs: 1, failures: [] });
  });

  it("as the app with --repo on a suspended installation: exit 1 saying so, nothing asked of it", async () => {
    const io = memoryIo({ APP_ID: "12345", PRIVATE_KEY: privateKey, DATA_DIR: dir });
    const scope = nock(API)
      .get("/app/installations")
      .query({ per_page: 100 })
      .reply(200, [{ id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345, target_type: "Organization", suspended_at: "2026-01-01T00:00:00Z" }])
      .get("/repos/octo/a/installation")
      .reply(200, { id: 77, account: { login: "octo", id: 1, type: "Organization" }, app_id: 12345, suspended_at: "2026-01-01T00:00:00Z" });
    expect(await runCli(["sweep", "--repo", "octo/a", "--json"], io)).toBe(1);
    expect(scope.isDone()).toBe(true);
    expect(JSON.parse(io.out)).toMatchObject({ repos: 0, failures: [{ repo: "octo/a", reason: "its installation 77 is suspended: unsuspend the app on that account" }] });
  });

  it("reaches GitHub Enterprise Server at GHE_PROTOCOL://GHE_HOST (REST /api/v3, GraphQL /api/graphql)", async () => {
    const base = "http://ghe.example.test";
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", GHE_HOST: "ghe.example.test", GHE_PROTOCOL: "http", DATA_DIR: dir });
    const scopes = [
      nock(base)
        .post("/api/graphql", (b) => b.query.includes("query RepoConfigs"))
        .reply(200, configsBody({ r0: "sweep_interval_minutes: 5\n", g0: null })),
      nock(base)
        .post("/api/graphql", (b) => b.variables.name === "a")
        .reply(200, openPage([prNode({ repo: "octo/a", number: 1 })], null)),
    ];
    expect(await runCli(["sweep", "--repo", "octo/a", "--json"], io)).toBe(0);
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(JSON.parse(io.out)).toMatchObject({ repos: 1, openPrs: 1, githubRequests: 2 });
  });

  it("skips a repository whose owner's .github repository says enabled: false", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    const scope = nock(API)
      .post("/graphql", (b) => b.query.includes("query RepoConfigs"))
      .reply(200, configsBody({ r0: null, g0: "enabled: false\n" }));
    expect(await runCli(["sweep", "--repo", "octo/a", "--json"], io)).toBe(0);
    expect(scope.isDone()).toBe(true);
    expect(JSON.parse(io.out)).toMatchObject({ repos: 0, skipped: [{ repo: "octo/a", reason: "disabled by .github/pr-telemetry.yml (enabled: false)" }] });
  });

  it("--dry-run writes nothing", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    noConfigFile(API, "octo/a");
    graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null), "token ghp_token");
    expect(await runCli(["sweep", "--repo", "octo/a", "--dry-run", "--json"], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ dryRun: true, observationsWritten: 1 });
    expect(await journalLines()).toEqual([]);
  });

  it("honours a secondary rate limit's retry-after through the CLI octokit's throttling", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    noConfigFile(API, "octo/a");
    const limited = nock(API)
      .post("/graphql")
      .reply(
        403,
        { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" },
        { "retry-after": "1" },
      );
    const ok = graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null), "token ghp_token");
    const started = Date.now();
    expect(await runCli(["sweep", "--repo", "octo/a", "--json"], io)).toBe(0);
    expect(limited.isDone() && ok.isDone()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(JSON.parse(io.out)).toMatchObject({ repos: 1, failures: [] });
  });

  it("points InfluxDB did not take before the exit: exit 1, they stay in the journal", async () => {
    const io = memoryIo({ GITHUB_TOKEN: "ghp_token", DATA_DIR: dir });
    noConfigFile(API, "octo/a");
    graphqlPage(API, "octo/a", openPage([prNode({ repo: "octo/a", number: 1 })], null), "token ghp_token");
    const stuck: typeof openStore = async (config, log) => {
      const store = await openStore(config, log);
      return { ...store, drain: async () => ({ backlog: 1 }) };
    };
    await sweepCommand({ open: stuck }).handler({ repo: ["octo/a"], json: true }, io);
    expect(io.exitCode).toBe(1);
    expect(io.err).toContain(`1 point(s) did not reach InfluxDB before the exit; they stay in the journal (${join(dir, "journal")}) and go with the next run`);
    expect(await journalLines()).toHaveLength(1);
  });
});

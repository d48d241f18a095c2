import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { parseRepoConfig } from "../../src/repo-config/parse-repo-config.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { openStore } from "../../src/store/open-store.js";
import { runSweep } from "../../src/sweep/run-sweep.js";
import { recordingLog } from "../helpers/silent-log.js";
import { configsBody } from "../sweep/github-shapes.js";

describe("a repository config with valid and invalid keys", () => {
  it("keeps the valid keys and names each invalid one with its value and what is expected", () => {
    expect(parseRepoConfig({ enabled: false, sweep_interval_minutes: "60" })).toEqual({
      config: { enabled: false, orchestrators: [] },
      problems: [{ key: "sweep_interval_minutes", value: '"60"', expected: "a whole number of minutes, 0 or more (no quotes)" }],
    });
    expect(
      parseRepoConfig({ enabled: "no", orchestrators: ["bot[bot]"], sweep_interval_minutes: 30, action_patterns: { "Not Snake": ["x"] }, enable: false, _extends: "o/r" }),
    ).toEqual({
      config: { enabled: true, orchestrators: ["bot[bot]"], sweep_interval_minutes: 30 },
      problems: [
        { key: "enabled", value: '"no"', expected: "true or false" },
        { key: "action_patterns", value: '{"Not Snake":["x"]}', expected: "a mapping from snake_case action names to lists of regular expressions" },
        { key: "enable", value: "false", expected: "no such key (known: enabled, orchestrators, sweep_interval_minutes, action_patterns, agents)" },
      ],
    });
  });

  it("keeps agents: as a mapping from logins to agent names, and refuses a name that is not one word", () => {
    expect(parseRepoConfig({ agents: { "my-agent[bot]": "myagent" } }).config.agents).toEqual({ "my-agent[bot]": "myagent" });
    expect(parseRepoConfig({ agents: { "my-agent[bot]": "my agent" } })).toEqual({
      config: { enabled: true, orchestrators: [] },
      problems: [{ key: "agents", value: '{"my-agent[bot]":"my agent"}', expected: "a mapping from logins to agent names, e.g. {my-agent[bot]: myagent}" }],
    });
    expect(parseRepoConfig({ agents: ["jules[bot]"] }).problems.map((p) => p.key)).toEqual(["agents"]);
  });

  it("a file that is not a mapping gives the defaults and one problem; no file gives the defaults and none", () => {
    expect(parseRepoConfig("enabled")).toMatchObject({ config: { enabled: true, orchestrators: [] }, problems: [{ key: "(file)", value: '"enabled"' }] });
    expect(parseRepoConfig(null)).toEqual({ config: { enabled: true, orchestrators: [] }, problems: [] });
  });

  it("the app's cache keeps recording off and warns once per read, naming the key, the value and what is expected", async () => {
    let now = 0;
    const cache = new RepoConfigCache(1000, () => now);
    const { log, entries } = recordingLog();
    const read = async () => ({ enabled: false, sweep_interval_minutes: "60" });
    for (let i = 0; i < 3; i++) expect((await cache.get("o/r", read, log)).enabled).toBe(false);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      level: 40,
      repo: "o/r",
      problems: ['sweep_interval_minutes: "60" (expected a whole number of minutes, 0 or more (no quotes))'],
      msg: '.github/pr-telemetry.yml of o/r: sweep_interval_minutes: "60" (expected a whole number of minutes, 0 or more (no quotes)); this key is ignored, the other keys apply',
    });
    now = 1000; // the next read warns again
    await cache.get("o/r", read, log);
    expect(entries).toHaveLength(2);
  });

  it("the sweep reads the file through the same function: enabled false with a bad key still skips the repository", async () => {
    const dir = await mkdtemp(join(tmpdir(), "repo-config-sweep-"));
    const store = await openStore(loadConfig({ DATA_DIR: dir }), pino({ level: "silent" }));
    try {
      const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
      const configs = nock("https://api.github.com")
        .post("/graphql", (b) => b.query.includes("query RepoConfigs"))
        .reply(200, configsBody({ r0: 'enabled: false\nsweep_interval_minutes: "60"\n', g0: null }));
      const { log, entries } = recordingLog();
      const summary = await runSweep({
        targets: [{ name: "installation 1 (octo)", octokit: new TestOctokit({ auth: { token: "ghs_installation" } }), repos: ["octo/off"] }],
        store,
        attempts: { get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }) },
        repoConfigs: new RepoConfigCache(60_000),
        log,
      });
      expect(configs.isDone()).toBe(true);
      // no OpenPullRequests request was mocked: the repository was not swept
      expect(summary.skipped).toEqual([{ repo: "octo/off", reason: "disabled by .github/pr-telemetry.yml (enabled: false)" }]);
      expect(summary.failures).toEqual([]);
      expect(entries.filter((e) => e.level === 40).map((e) => e.msg)).toEqual([
        '.github/pr-telemetry.yml of octo/off: sweep_interval_minutes: "60" (expected a whole number of minutes, 0 or more (no quotes)); this key is ignored, the other keys apply',
      ]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

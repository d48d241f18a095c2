import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { InfluxV1Store } from "../../src/store/influx-v1-store.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { act, jsonLines, obs, out, writeJournal } from "./fixtures.js";

// The same points in the journal and in a real InfluxDB 1.6 must export to the same bytes.
let influx: Influxd;
let dataDir: string;
beforeAll(async () => {
  influx = await startInfluxd();
  dataDir = await mkdtemp(join(tmpdir(), "journal-vs-influx-"));
  const points = dataset();
  await writeJournal(join(dataDir, "journal"), points);
  const store = new InfluxV1Store({ url: influx.url, database: influx.database });
  // In write order, in small batches: a later write of an identity replaces the earlier one.
  for (let i = 0; i < points.length; i += 7) await store.write(points.slice(i, i + 7));
  await store.close();
});
afterAll(async () => {
  await influx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const hostile = 'a "quoted", comma=equals space 🚀 back\\slash';

function dataset(): Point[] {
  const points: Point[] = [];
  for (const repo of ["dappcore/core", "dappcore/core-php"]) {
    for (let pr = 1; pr <= 12; pr++) {
      const base = Date.UTC(2026, 1, pr, 8);
      const iso = (minutes: number) => new Date(base + minutes * 60_000 + (pr % 3)).toISOString();
      points.push(obs(repo, pr, iso(0), { merge_state: "BLOCKED", mergeable: false, checks_total: pr, is_draft: false, head_sha: "abc" }));
      points.push(act(repo, pr, iso(30), pr % 2 ? "wait" : "request_review_fix", { reason: hostile }));
      points.push(obs(repo, pr, iso(60), { merge_state: "CLEAN", mergeable: true, checks_total: pr, pr_age_hours: 2 }));
      points.push(obs(repo, pr, iso(60), { merge_state: "CLEAN", mergeable: true, checks_total: pr, pr_age_hours: 3 })); // duplicate: later wins
      points.push(act(repo, pr, iso(61), "enable_auto_merge", { source: "inferred" }));
      if (pr % 3 === 0) {
        // The same identity written twice with different fields: InfluxDB merges them field by
        // field (the later value wins), and so must the journal's readers.
        points.push(obs(repo, pr, iso(90), { merge_state: "DIRTY", mergeable: false, checks_total: pr, head_sha: "def" }));
        points.push(obs(repo, pr, iso(90), { checks_total: pr + 1, pr_age_hours: 5 }));
        points.push(makePoint("action_taken", new Date(iso(95)), { repo, pr: String(pr) }, { action: "request_conflict_fix", reason: "first", source: "cli" }));
        points.push(makePoint("action_taken", new Date(iso(95)), { repo, pr: String(pr) }, { reason: "second", actor: "orchestrator" }));
      }
      if (pr % 4 !== 0) points.push(out(repo, pr, iso(120), pr % 5 ? "success" : "closed", 2 + pr / 10, `merged by ${hostile}`));
    }
  }
  points.push(makePoint("outcome", new Date(Date.UTC(2026, 1, 20)), { repo: "dappcore/core", pr: "99" }, { result: "escalated", detail: "conflict", resolution_hours: 72 }));
  return points;
}

async function exportFrom(from: string, args: string[]): Promise<string> {
  const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database });
  const code = await runCli(["export", "--from", from, ...args], io);
  expect(code, io.err).toBe(0);
  return io.out;
}

describe("export from the journal and from InfluxDB 1.6", () => {
  it.each([
    [["--kind", "examples"]],
    [["--kind", "observations"]],
    [["--kind", "actions"]],
    [["--kind", "outcomes"]],
    [["--since", "2026-02-05", "--until", "2026-02-09T08:30:00Z", "--repo", "dappcore/core-php"]],
  ])("gives the same lines for %j", async (args) => {
    const journal = await exportFrom("journal", args);
    const fromInflux = await exportFrom("influx", args);
    expect(jsonLines(journal).length).toBeGreaterThan(3);
    expect(fromInflux).toBe(journal);
  });

  it("merges two writes of one identity field by field, the later value winning, as InfluxDB does", async () => {
    for (const from of ["journal", "influx"]) {
      const lines = jsonLines(await exportFrom(from, ["--kind", "observations", "--repo", "dappcore/core"]));
      const merged = lines.find((l) => l.pr === 3 && l.time === "2026-02-03T09:30:00.000Z");
      expect(merged, from).toEqual({
        repo: "dappcore/core",
        pr: 3,
        time: "2026-02-03T09:30:00.000Z",
        author: "jules[bot]",
        checks_total: 4,
        head_sha: "def",
        merge_state: "DIRTY",
        mergeable: false,
        pr_age_hours: 5,
        state: "OPEN",
      });
      const actions = jsonLines(await exportFrom(from, ["--kind", "actions", "--repo", "dappcore/core"]));
      expect(actions.find((l) => l.pr === 3 && l.time === "2026-02-03T09:35:00.000Z"), from).toEqual({
        repo: "dappcore/core",
        pr: 3,
        time: "2026-02-03T09:35:00.000Z",
        action: "request_conflict_fix",
        actor: "orchestrator",
        reason: "second",
        source: "cli",
      });
    }
  });

  it("gives the stats the same way", async () => {
    const run = async (from: string) => {
      const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database });
      expect(await runCli(["stats", "--json", "--from", from], io)).toBe(0);
      return JSON.parse(io.out) as Record<string, unknown>;
    };
    const journal = await run("journal");
    const fromInflux = await run("influx");
    // InfluxDB collapsed the duplicates when they were written; the journal keeps both copies.
    expect(journal.duplicates).toBe(40);
    expect(fromInflux.duplicates).toBe(0);
    expect({ ...fromInflux, duplicates: 0 }).toEqual({ ...journal, duplicates: 0 });
  });

  it("the README's InfluxQL success rate by action, joined on (repo, pr), equals stats' successRate", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const queries = readme.split("\n").filter((l) => l.startsWith('SELECT last("result")') || l.startsWith('SELECT "action" FROM'));
    expect(queries).toHaveLength(2);
    const [outcomeQuery, actionQuery] = queries.map((q) => q.replace("time > now() - 90d", "time > '2026-01-01T00:00:00Z'")) as [string, string];
    const latest = new Map<string, { result: string; timeMs: number }>();
    for (const series of (await influx.query(outcomeQuery))[0]!.series ?? []) {
      const [time, result] = series.values[0] as [string, string];
      latest.set(`${series.tags!.repo}#${series.tags!.pr}`, { result, timeMs: Date.parse(time) });
    }
    // Each action's first time on each PR, then the PR's latest outcome at or after it.
    const first = new Map<string, { action: string; pr: string; timeMs: number }>();
    for (const series of (await influx.query(actionQuery))[0]!.series ?? []) {
      const pr = `${series.tags!.repo}#${series.tags!.pr}`;
      for (const [time, action] of series.values as Array<[string, string]>) {
        const key = `${pr} ${action}`;
        if (!first.has(key)) first.set(key, { action, pr, timeMs: Date.parse(time) });
      }
    }
    const rate = new Map<string, { success: number; resolved: number }>();
    for (const { action, pr, timeMs } of first.values()) {
      const outcome = latest.get(pr);
      if (!outcome || outcome.timeMs < timeMs) continue;
      const r = rate.get(action) ?? { success: 0, resolved: 0 };
      r.resolved++;
      if (outcome.result === "success") r.success++;
      rate.set(action, r);
    }
    const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database });
    expect(await runCli(["stats", "--json", "--from", "influx"], io)).toBe(0);
    const stats = JSON.parse(io.out) as { actions: Array<{ action: string; successRate: number | null; resolved: number }> };
    expect(stats.actions.length).toBeGreaterThan(2);
    for (const a of stats.actions) {
      const r = rate.get(a.action);
      expect([a.action, r?.resolved ?? 0, r ? r.success / r.resolved : null]).toEqual([a.action, a.resolved, a.successRate]);
    }
  });

  it("is InfluxDB by default when it is configured", async () => {
    const io = memoryIo({ DATA_DIR: join(dataDir, "empty"), HOME: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database });
    expect(await runCli(["export", "--kind", "outcomes"], io)).toBe(0);
    expect(jsonLines(io.out)).toHaveLength(19);
    expect(io.err).toContain("InfluxDB");
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardFiles } from "../dashboards/build-dashboards.js";
import { InfluxV1Store } from "../src/store/influx-v1-store.js";
import { makePoint, type Point } from "../src/store/point.js";
import { startInfluxd, type Influxd } from "./helpers/influxd.js";
import { reportDataset, WINDOW } from "./report/report-fixture.js";

// Every InfluxQL query of dashboards/pr-telemetry-influxql.json (panels and variables), with
// Grafana's variables substituted as Grafana does, run against a real InfluxDB 1.6 seeded with the
// report's known dataset: each must run and return the hand-worked values, so a dashboard cannot
// ship a query that is broken or wrong.

const DIR = join(import.meta.dirname, "../dashboards");
const influxql = JSON.parse(readFileSync(join(DIR, "pr-telemetry-influxql.json"), "utf8"));
const flux = JSON.parse(readFileSync(join(DIR, "pr-telemetry-flux.json"), "utf8"));

/** The report's dataset, plus what the app also writes: the final observation at each close, and sweep observations of the open PR. */
function seeded(): Point[] {
  const obs = (pr: number, author: string, time: string, fields: Record<string, string>) =>
    makePoint("pr_observation", new Date(time), { repo: pr === 4 ? reportDataset()[13]!.tags.repo! : "acme/api", pr: String(pr), author }, { is_draft: false, ...fields });
  return [
    ...reportDataset(),
    obs(1, "jules[bot]", "2026-02-02T14:00:00.000Z", { state: "MERGED", merge_state: "CLEAN", trigger: "pull_request.closed" }),
    obs(2, "alice", "2026-02-03T12:00:00.000Z", { state: "CLOSED", merge_state: "CLEAN", trigger: "sweep" }),
    obs(4, "copilot-swe-agent[bot]", "2026-02-05T10:00:00.000Z", { state: "MERGED", merge_state: "CLEAN", trigger: "pull_request.closed" }),
    ...["12:00", "12:15", "12:30"].map((t) => obs(3, "jules[bot]", `2026-02-04T${t}:00.000Z`, { state: "OPEN", merge_state: "BLOCKED", trigger: "sweep" })),
    obs(3, "jules[bot]", "2026-02-04T12:45:00.000Z", { state: "OPEN", merge_state: "BEHIND", trigger: "sweep" }),
  ];
}

let influx: Influxd;
beforeAll(async () => {
  influx = await startInfluxd();
  const store = new InfluxV1Store({ url: influx.url, database: influx.database });
  await store.write(seeded());
  await store.close();
}, 60_000);
afterAll(async () => {
  await influx?.close();
});

/** Grafana's substitution: $timeFilter from the dashboard's range, regex variables already escaped (Grafana escapes multi-value regex variables). */
function substitute(query: string, vars: { repo: string; agent: string }): string {
  return query
    .replaceAll("$timeFilter", `time >= '${new Date(WINDOW.since).toISOString()}' AND time <= '${new Date(WINDOW.until).toISOString()}'`)
    .replaceAll("$repo", vars.repo)
    .replaceAll("$agent", vars.agent)
    .replaceAll("$sweep_minutes", "15");
}

/** Every column of every row of every series a query returns, as `alias(or column)@time = value`; [] when no series. */
async function run(query: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const result of await influx.query(query)) {
    if (result.error) throw new Error(`${result.error}: ${query}`);
    for (const series of result.series ?? []) {
      for (const row of series.values) {
        series.columns.forEach((c, i) => {
          // Times come as epoch milliseconds; one row per series is a total, several are days.
          if (c !== "time") out[series.values.length === 1 ? c : `${c}@${new Date(Number(row[0])).toISOString().slice(0, 10)}`] = row[i];
        });
      }
    }
  }
  return out;
}

const ALL = { repo: ".*", agent: ".*" };

/** Every target of one panel, run, merged into one object. */
async function panel(title: string, vars = ALL): Promise<Record<string, unknown>> {
  const p = influxql.panels.find((x: { title: string }) => x.title === title);
  expect(p, title).toBeDefined();
  const merged: Record<string, unknown> = {};
  for (const t of p.targets) Object.assign(merged, await run(substitute(t.query, vars)));
  return merged;
}

describe("Grafana dashboards", () => {
  it("the committed dashboards are what dashboards/build-dashboards.ts builds", () => {
    for (const [name, text] of Object.entries(dashboardFiles())) expect(readFileSync(join(DIR, name), "utf8"), name).toBe(text);
  });

  it("InfluxQL: the variables list the repositories and the agents", async () => {
    const variable = (name: string) => influxql.templating.list.find((v: { name: string }) => v.name === name);
    const values = async (name: string) => (await influx.query(variable(name).query))[0]!.series![0]!.values.map((v) => v[1]);
    expect(await values("repo")).toEqual(["acme/api", 'acme/x"><img src=http://127.0.0.1:9/y.png>']);
    expect(await values("agent")).toEqual(["alice", "copilot-swe-agent[bot]", "jules[bot]"]);
  });

  it("InfluxQL: every panel query runs and returns the dataset's values", async () => {
    expect(await panel("Success share of outcomes")).toEqual({ success: 2, outcomes: 3 });
    expect(await panel("Success share of outcomes", { repo: "acme\\/api", agent: ".*" })).toEqual({ success: 1, outcomes: 2 });
    expect(await panel("Actions taken by type")).toEqual({ wait: 2, request_review_fix: 3, request_conflict_fix: 1 });
    expect(await panel("Hours to outcome (resolution_hours: opening to merge or close)")).toEqual({ median: 4, p90: 6, mean: 4, n: 3 });
    expect(await panel("Hours open PRs spent in each merge state (sweep samples)")).toEqual({ BLOCKED: 0.75, BEHIND: 0.25 });
    expect(await panel("Volume per day")).toEqual({
      "observations@2026-02-02": 4,
      "observations@2026-02-03": 3,
      "observations@2026-02-04": 5,
      "observations@2026-02-05": 2,
      "actions@2026-02-02": 1,
      "actions@2026-02-03": 1,
      "actions@2026-02-04": 3,
      "actions@2026-02-05": 1,
      "outcomes@2026-02-02": 1,
      "outcomes@2026-02-03": 1,
      "outcomes@2026-02-05": 1,
    });
    const jules = await panel("Volume per day", { repo: ".*", agent: "jules\\[bot\\]" });
    expect(Object.fromEntries(Object.entries(jules).filter(([k]) => k.startsWith("observations")))).toEqual({ "observations@2026-02-02": 4, "observations@2026-02-04": 5 });
    expect(await panel("Open PRs by merge state")).toEqual({ BEHIND: 1 });
    expect(await panel("Open PRs by merge state", { repo: ".*", agent: "alice" })).toEqual({});
    expect(await panel("Webhook loss: outcomes the sweep recorded")).toEqual({ "by sweep": 1, outcomes: 3 });
    // Every panel was checked above: a new panel needs its expected values here.
    expect(influxql.panels.map((p: { title: string }) => p.title)).toHaveLength(7);
  }, 30_000);

  it("both dashboards have the report's main panels and the repo and agent variables", () => {
    const titles = (d: { panels: Array<{ title: string }> }) => d.panels.map((p) => p.title);
    for (const d of [influxql, flux]) {
      expect(d.templating.list.map((v: { name: string }) => v.name)).toEqual(expect.arrayContaining(["repo", "agent"]));
      for (const main of ["Hours to outcome", "merge state", "Volume per day", "Open PRs by merge state"]) expect(titles(d).some((t) => t.includes(main)), main).toBe(true);
    }
    expect(titles(flux)).toContain("Success rate by action type");
    for (const p of flux.panels) for (const t of p.targets) expect(t.query, p.title).toContain("${repo:regex}");
  });
});

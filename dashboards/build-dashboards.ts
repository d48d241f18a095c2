import { writeFileSync } from "node:fs";
import { join } from "node:path";

// Builds the Grafana dashboards of dashboards/ (`npx tsx dashboards/build-dashboards.ts` writes
// them; test/dashboards.test.ts checks the committed files are this output and runs every
// InfluxQL query against a real influxd). Generated because InfluxQL cannot group by a field
// (action, result, merge_state are fields): a panel has one query per value, which is a list to
// keep in one place rather than hand-copied JSON.

/** Action types the app and the original design know (src/actions, README "action_taken"). */
export const ACTIONS = ["wait", "request_review_fix", "request_conflict_fix", "resolve_conflict", "update_branch", "merge", "enable_auto_merge", "close", "comment", "label", "request_review"];
/** GitHub's mergeStateStatus values. */
export const MERGE_STATES = ["CLEAN", "BLOCKED", "BEHIND", "DIRTY", "UNSTABLE", "HAS_HOOKS", "DRAFT", "UNKNOWN"];

interface Target {
  refId: string;
  query: string;
  rawQuery?: true;
  resultFormat?: "time_series" | "table";
  alias?: string;
}

interface PanelSpec {
  title: string;
  description: string;
  type: "barchart" | "timeseries" | "stat" | "bargauge" | "table";
  targets: Array<Omit<Target, "refId">>;
  transformations?: unknown[];
  unit?: string;
}

const REF = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : `A${i}`);

function dashboard(options: { title: string; uid: string; flux: boolean; variables: unknown[]; panels: PanelSpec[] }) {
  const datasource = { type: "influxdb", uid: "${DS_INFLUXDB}" };
  return {
    __inputs: [{ name: "DS_INFLUXDB", label: options.flux ? "InfluxDB (Flux)" : "InfluxDB (InfluxQL)", type: "datasource", pluginId: "influxdb", pluginName: "InfluxDB" }],
    __requires: [
      { type: "grafana", id: "grafana", name: "Grafana", version: "10.0.0" },
      { type: "datasource", id: "influxdb", name: "InfluxDB", version: "1.0.0" },
    ],
    title: options.title,
    uid: options.uid,
    description: "pr-telemetry: what the orchestrator's actions achieve and where pull requests wait (README: Grafana dashboards)",
    tags: ["pr-telemetry"],
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-30d", to: "now" },
    templating: { list: options.variables.map((v) => ({ ...(v as object), datasource: (v as { type: string }).type === "query" ? datasource : undefined })) },
    panels: options.panels.map((p, i) => ({
      id: i + 1,
      type: p.type,
      title: p.title,
      description: p.description,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit ?? "short" }, overrides: [] },
      options: {},
      targets: p.targets.map((t, j) => ({ refId: REF(j), datasource, ...t })),
      ...(p.transformations ? { transformations: p.transformations } : {}),
    })),
  };
}

// --- InfluxDB 1.x (InfluxQL) -----------------------------------------------------------------

const REPO = `"repo" =~ /^$repo$/`;
const AGENT = `"author" =~ /^$agent$/`;
const q = (query: string, alias?: string, resultFormat: Target["resultFormat"] = "time_series"): Omit<Target, "refId"> => ({ query, rawQuery: true, resultFormat, ...(alias ? { alias } : {}) });

export const influxqlPanels: PanelSpec[] = [
  {
    title: "Success share of outcomes",
    description:
      "PRs whose outcome is success, of all outcomes in the range ($repo). Per-action success needs a join of actions and outcomes, which InfluxQL cannot do: see the Flux dashboard or `pr-telemetry report`. Outcomes carry no author tag, so $agent does not apply.",
    type: "stat",
    unit: "percentunit",
    targets: [
      q(`SELECT count("result") AS "success" FROM "outcome" WHERE "result" = 'success' AND ${REPO} AND $timeFilter`, "success"),
      q(`SELECT count("result") AS "outcomes" FROM "outcome" WHERE ${REPO} AND $timeFilter`, "outcomes"),
    ],
    transformations: [{ id: "calculateField", options: { mode: "binary", binary: { left: "success", operator: "/", right: "outcomes" }, alias: "success share", replaceFields: true } }],
  },
  {
    title: "Actions taken by type",
    description: "action_taken points per action type in the range ($repo). Actions carry no author tag, so $agent does not apply.",
    type: "barchart",
    targets: ACTIONS.map((a) => q(`SELECT count("action") AS "${a}" FROM "action_taken" WHERE "action" = '${a}' AND ${REPO} AND $timeFilter`, a)),
  },
  {
    title: "Hours to outcome (resolution_hours: opening to merge or close)",
    description: "Median, 90th percentile and mean of the outcomes' resolution_hours in the range, and how many ($repo).",
    type: "stat",
    unit: "h",
    targets: [q(`SELECT median("resolution_hours") AS "median", percentile("resolution_hours", 90) AS "p90", mean("resolution_hours") AS "mean", count("resolution_hours") AS "n" FROM "outcome" WHERE ${REPO} AND $timeFilter`, undefined, "table")],
  },
  {
    title: "Hours open PRs spent in each merge state (sweep samples)",
    description:
      "Each sweep observes every open PR once per SWEEP_INTERVAL_MINUTES ($sweep_minutes): sweep observations in a state × the interval ≈ hours spent in it ($repo, $agent).",
    type: "barchart",
    unit: "h",
    targets: MERGE_STATES.map((s) =>
      q(`SELECT count("merge_state") * $sweep_minutes / 60 AS "${s}" FROM "pr_observation" WHERE "trigger" = 'sweep' AND "state" = 'OPEN' AND "merge_state" = '${s}' AND ${REPO} AND ${AGENT} AND $timeFilter`, s),
    ),
  },
  {
    title: "Volume per day",
    description: "Observations ($repo, $agent), actions and outcomes ($repo) per day.",
    type: "timeseries",
    targets: [
      q(`SELECT count("trigger") AS "observations" FROM "pr_observation" WHERE ${REPO} AND ${AGENT} AND $timeFilter GROUP BY time(1d) fill(none)`, "observations"),
      q(`SELECT count("action") AS "actions" FROM "action_taken" WHERE ${REPO} AND $timeFilter GROUP BY time(1d) fill(none)`, "actions"),
      q(`SELECT count("result") AS "outcomes" FROM "outcome" WHERE ${REPO} AND $timeFilter GROUP BY time(1d) fill(none)`, "outcomes"),
    ],
  },
  {
    title: "Open PRs by merge state",
    description: "PRs whose latest observation in the range says OPEN, by that observation's merge state ($repo, $agent).",
    type: "barchart",
    targets: MERGE_STATES.map((s) =>
      q(
        `SELECT count("ms") AS "${s}" FROM (SELECT last("merge_state") AS "ms", last("state") AS "st" FROM "pr_observation" WHERE ${REPO} AND ${AGENT} AND $timeFilter GROUP BY "repo", "pr") WHERE "st" = 'OPEN' AND "ms" = '${s}'`,
        s,
      ),
    ),
  },
  {
    title: "Webhook loss: outcomes the sweep recorded",
    description: "Outcomes with source=sweep are closes the webhooks missed; against all outcomes in the range ($repo).",
    type: "stat",
    targets: [
      q(`SELECT count("result") AS "by sweep" FROM "outcome" WHERE "source" = 'sweep' AND ${REPO} AND $timeFilter`, "by sweep"),
      q(`SELECT count("result") AS "outcomes" FROM "outcome" WHERE ${REPO} AND $timeFilter`, "outcomes"),
    ],
  },
];

export const influxqlVariables = [
  { type: "query", name: "repo", label: "repository", query: `SHOW TAG VALUES FROM "pr_observation" WITH KEY = "repo"`, multi: true, includeAll: true, allValue: ".*", refresh: 2, sort: 1 },
  { type: "query", name: "agent", label: "agent (PR author)", query: `SHOW TAG VALUES FROM "pr_observation" WITH KEY = "author"`, multi: true, includeAll: true, allValue: ".*", refresh: 2, sort: 1 },
  { type: "constant", name: "sweep_minutes", label: "SWEEP_INTERVAL_MINUTES", query: "15", hide: 2 },
];

// --- InfluxDB 2.x / 3.x (Flux) ---------------------------------------------------------------

const FROM = (measurement: string, field: string, stop = "v.timeRangeStop") =>
  `from(bucket: "\${bucket}")\n  |> range(start: v.timeRangeStart, stop: ${stop})\n  |> filter(fn: (r) => r._measurement == "${measurement}" and r._field == "${field}" and r.repo =~ /^\${repo:regex}$/)`;
const AUTHOR = `r.author =~ /^\${agent:regex}$/`;

export const fluxPanels: PanelSpec[] = [
  {
    title: "Success rate by action type",
    description: "For each action type: PRs whose latest outcome (at or after the PR's first such action) is success, of the PRs with an outcome; open PRs are not failures ($repo).",
    type: "barchart",
    unit: "percentunit",
    targets: [
      {
        query: `actions = ${FROM("action_taken", "action")}
  |> group(columns: ["repo", "pr", "_value"])
  |> first()
  |> map(fn: (r) => ({repo: r.repo, pr: r.pr, action: r._value, at: r._time}))
outcomes = ${FROM("outcome", "result", "now()")}
  |> group(columns: ["repo", "pr"])
  |> last()
  |> map(fn: (r) => ({repo: r.repo, pr: r.pr, result: r._value, done: r._time}))
join(tables: {a: actions, o: outcomes}, on: ["repo", "pr"])
  |> filter(fn: (r) => r.done >= r.at)
  |> map(fn: (r) => ({action: r.action, _value: if r.result == "success" then 1.0 else 0.0}))
  |> group(columns: ["action"])
  |> mean()
  |> group()`,
      },
    ],
  },
  {
    title: "Hours to outcome (resolution_hours: opening to merge or close)",
    description: "Median and 90th percentile of the outcomes' resolution_hours in the range ($repo).",
    type: "stat",
    unit: "h",
    targets: [
      { query: `${FROM("outcome", "resolution_hours")}\n  |> group()\n  |> quantile(q: 0.5, method: "exact_mean")\n  |> set(key: "_field", value: "median")` },
      { query: `${FROM("outcome", "resolution_hours")}\n  |> group()\n  |> quantile(q: 0.9, method: "exact_selector")\n  |> set(key: "_field", value: "p90")` },
    ],
  },
  {
    title: "Hours open PRs spent in each merge state (sweep samples)",
    description: "Sweep observations of open PRs per merge state × SWEEP_INTERVAL_MINUTES ($sweep_minutes) / 60 ($repo, $agent).",
    type: "barchart",
    unit: "h",
    targets: [
      {
        query: `from(bucket: "\${bucket}")
  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)
  |> filter(fn: (r) => r._measurement == "pr_observation" and r.repo =~ /^\${repo:regex}$/ and ${AUTHOR})
  |> filter(fn: (r) => r._field == "merge_state" or r._field == "trigger" or r._field == "state")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> filter(fn: (r) => r.trigger == "sweep" and r.state == "OPEN")
  |> group(columns: ["merge_state"])
  |> count(column: "trigger")
  |> map(fn: (r) => ({merge_state: r.merge_state, _value: float(v: r.trigger) * float(v: \${sweep_minutes}) / 60.0}))
  |> group()`,
      },
    ],
  },
  {
    title: "Volume per day",
    description: "Observations ($repo, $agent), actions and outcomes ($repo) per day.",
    type: "timeseries",
    targets: [
      { query: `${FROM("pr_observation", "trigger")}\n  |> filter(fn: (r) => ${AUTHOR})\n  |> group()\n  |> aggregateWindow(every: 1d, fn: count, createEmpty: false)\n  |> set(key: "_field", value: "observations")` },
      { query: `${FROM("action_taken", "action")}\n  |> group()\n  |> aggregateWindow(every: 1d, fn: count, createEmpty: false)\n  |> set(key: "_field", value: "actions")` },
      { query: `${FROM("outcome", "result")}\n  |> group()\n  |> aggregateWindow(every: 1d, fn: count, createEmpty: false)\n  |> set(key: "_field", value: "outcomes")` },
    ],
  },
  {
    title: "Open PRs by merge state",
    description: "PRs whose latest observation in the range says OPEN, by its merge state ($repo, $agent).",
    type: "barchart",
    targets: [
      {
        query: `from(bucket: "\${bucket}")
  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)
  |> filter(fn: (r) => r._measurement == "pr_observation" and r.repo =~ /^\${repo:regex}$/ and ${AUTHOR})
  |> filter(fn: (r) => r._field == "merge_state" or r._field == "state")
  |> group(columns: ["repo", "pr", "_field"])
  |> last()
  |> pivot(rowKey: ["repo", "pr"], columnKey: ["_field"], valueColumn: "_value")
  |> filter(fn: (r) => r.state == "OPEN")
  |> group(columns: ["merge_state"])
  |> count(column: "pr")
  |> group()`,
      },
    ],
  },
  {
    title: "Webhook loss: outcomes the sweep recorded",
    description: "Outcomes by source: source=sweep are closes the webhooks missed ($repo).",
    type: "bargauge",
    targets: [
      {
        query: `from(bucket: "\${bucket}")
  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)
  |> filter(fn: (r) => r._measurement == "outcome" and r.repo =~ /^\${repo:regex}$/ and (r._field == "source" or r._field == "result"))
  |> pivot(rowKey: ["_time", "repo", "pr"], columnKey: ["_field"], valueColumn: "_value")
  |> group(columns: ["source"])
  |> count(column: "result")
  |> group()`,
      },
    ],
  },
];

export const fluxVariables = [
  { type: "custom", name: "bucket", label: "bucket", query: "training", current: { text: "training", value: "training" } },
  { type: "query", name: "repo", label: "repository", query: `import "influxdata/influxdb/schema"\nschema.measurementTagValues(bucket: "\${bucket}", measurement: "pr_observation", tag: "repo")`, multi: true, includeAll: true, allValue: ".*", refresh: 2, sort: 1 },
  { type: "query", name: "agent", label: "agent (PR author)", query: `import "influxdata/influxdb/schema"\nschema.measurementTagValues(bucket: "\${bucket}", measurement: "pr_observation", tag: "author")`, multi: true, includeAll: true, allValue: ".*", refresh: 2, sort: 1 },
  { type: "constant", name: "sweep_minutes", label: "SWEEP_INTERVAL_MINUTES", query: "15", hide: 2 },
];

/** Both dashboards as the files hold them (2-space JSON, a final newline). */
export function dashboardFiles(): Record<string, string> {
  const json = (d: unknown) => JSON.stringify(d, null, 2) + "\n";
  return {
    "pr-telemetry-influxql.json": json(dashboard({ title: "pr-telemetry (InfluxDB 1.x, InfluxQL)", uid: "pr-telemetry-influxql", flux: false, variables: influxqlVariables, panels: influxqlPanels })),
    "pr-telemetry-flux.json": json(dashboard({ title: "pr-telemetry (InfluxDB 2.x/3.x, Flux)", uid: "pr-telemetry-flux", flux: true, variables: fluxVariables, panels: fluxPanels })),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  for (const [name, text] of Object.entries(dashboardFiles())) writeFileSync(join(import.meta.dirname, name), text);
}

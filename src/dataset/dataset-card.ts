import { FIELD_TYPES } from "../store/field-types.js";
import type { ExportCounts, ExportKind } from "./export-lines.js";
import { KIND_MEASUREMENT } from "./export-lines.js";
import type { ExportFormat, WriteResult } from "./write-export.js";
import type { SchemaVersion } from "./export-lines.js";
import { HORIZONS, MERGE_STATES, OUTCOME_CLASSES } from "./build-learning-examples.js";
import { DEFAULT_AGENT_LOGINS } from "./agent-attribution.js";

export interface CardInput {
  kind: ExportKind;
  /** Examples' schema (1 when not given). */
  schema?: SchemaVersion | undefined;
  format?: ExportFormat | undefined;
  from: string;
  since: Date | undefined;
  until: Date | undefined;
  repos: string[];
  generatedAt: Date;
  counts: ExportCounts;
  /** Lines of the store that could not be read (torn or damaged), skipped. */
  unreadable: number;
  written: WriteResult;
  /** The file names the card describes (relative to the card). */
  files: string[];
}

const UNITS: Record<string, string> = {
  pr_age_hours: "hours since the PR was opened (whole hours)",
  last_push_hours: "hours since the last push (whole hours)",
  last_activity_hours: "hours since the last activity (whole hours)",
  resolution_hours: "hours from the PR's creation to its merge or close",
  conflict_attempts: "recorded request_conflict_fix/resolve_conflict actions before this observation",
  review_fix_attempts: "recorded request_review_fix actions before this observation",
  mergeable: "true MERGEABLE, false CONFLICTING; absent while GitHub had not computed it",
  trigger: "what made the app observe (provenance, not a signal)",
  delivery_id: "the webhook delivery that caused the point (provenance, not a signal)",
  reconstructed: "true when the history backfill rebuilt the point from GitHub's timeline (provenance, not a signal; such points leave out what the past does not tell)",
};

function fieldTable(measurement: string): string {
  const rows = Object.entries(FIELD_TYPES[measurement] ?? {}).map(
    ([name, type]) => `| \`${name}\` | ${type} | ${UNITS[name] ?? ""} |`,
  );
  return ["| field | type | unit / meaning |", "| --- | --- | --- |", ...rows].join("\n");
}

const EXAMPLE_FIELDS = `| key | type | meaning |
| --- | --- | --- |
| \`repo\` | string | owner/name |
| \`pr\` | integer | pull request number |
| \`time\` | ISO-8601 UTC (ms) | when the action was taken |
| \`action\`, \`reason\`, \`source\` | string or null | the \`action_taken\` fields (source: cli, api, inferred) |
| \`signals\` | object or null | the fields of the PR's newest \`pr_observation\` at or before \`time\` (keys sorted; see below); null when the PR had none |
| \`signals_time\` | ISO-8601 or null | that observation's time |
| \`outcome\` | object or null | the PR's latest \`outcome\` at or after \`time\`: \`result\`, \`detail\`, \`resolution_hours\`, \`time\` |
| \`hours_to_outcome\` | number or null | hours from the action to that outcome |
| \`censored\` | true (absent otherwise) | no outcome is known yet: the PR is still open, was reopened after its latest outcome, or the action came after it |`;

const LEARNING_FEATURES = `Every feature uses only points at or before the action's \`time\` (an observation at its very millisecond counts; one a millisecond later does not). Nothing after the action's time is read for any of them.

| key | type | computed from |
| --- | --- | --- |
| \`repo\`, \`pr\`, \`time\` | string, integer, ISO-8601 UTC (ms) | the \`action_taken\` point |
| \`action\`, \`reason\`, \`source\` | string or null | the \`action_taken\` fields (source: cli, api, inferred) |
| \`author\` | string or null | the \`author\` tag of the PR's newest observation at or before \`time\` (null: never observed by then) |
| \`author_kind\`, \`agent\` | \`human\`/\`bot\`/\`agent\`, string or null | \`author\` through the agent map (${Object.keys(DEFAULT_AGENT_LOGINS).length} known logins, plus \`agents:\` and PR_TELEMETRY_AGENTS): a known agent's name; an unknown bot's login; null for a person |
| \`signals\` | object or null | the fields of the PR's newest \`pr_observation\` at or before \`time\` (keys sorted), with \`pr_age_hours\`, \`last_push_hours\`, \`last_activity_hours\` advanced to \`time\` (the observation's whole hours + the hours elapsed since it; floats) |
| \`signals_time\`, \`signals_age_s\` | ISO-8601 or null, number or null | that observation's time, and the seconds from it to \`time\` |
| \`history.observed_hours\` | number | hours from the PR's first observation to \`time\` |
| \`history.hours_in_merge_state.<state>\` | number | hours in each merge_state (${MERGE_STATES.join(", ")}): each observation's value holds until the next observation, the last one until \`time\` |
| \`history.hours_draft\` | number | hours with \`is_draft\` true, counted the same way |
| \`history.pushes\` | integer | changes of \`head_sha\` between consecutive observations (pushes seen) |
| \`history.review_rounds\` | integer | completed rounds: changes requested (review_decision CHANGES_REQUESTED or reviews_changes_requested > 0), then a new head_sha, then a change of reviews_approved / reviews_changes_requested / review_decision |
| \`history.check_failures\` | integer | times \`checks_failing\` went above 0 (from 0, or on the first observation) |
| \`history.check_fail_pass_flips\` | integer | times \`checks_failing\` went from above 0 to 0 |
| \`history.prior_actions\`, \`history.prior_same_action\` | integer | actions recorded on the PR before this one; of the same action (earlier attempts) |
| \`history.prior_actions_by_type\` | object | those earlier actions counted by action |
| \`history.hours_since_last_action\` | number or null | hours since the PR's previous action (null for its first) |`;

const LEARNING_LABELS = `Labels use only points after the action's \`time\`; they are targets, never features.

| key | type | computed from |
| --- | --- | --- |
| \`next_observation_time\` | ISO-8601 or null | the PR's first observation after \`time\` (null: none) |
| \`next_observation_changed\` | list of strings or null | the signals whose value differs between \`signals\` and that observation (trigger, delivery_id and the hour fields left out) |
| \`labels.h<H>\` for H in ${HORIZONS.join(", ")} | object | what happened in (time, time + H hours]: |
| \`  .censored\` | boolean | true when the PR's data ends before time + H and it has no outcome: every other value is then null |
| \`  .checks_failing_zero\` | boolean or null | an observation in the horizon had \`checks_failing\` 0 |
| \`  .threads_unresolved_zero\` | boolean or null | ... had \`threads_unresolved\` 0 |
| \`  .mergeable\` | boolean or null | ... had \`mergeable\` true |
| \`  .merge_state_clean\` | boolean or null | ... had \`merge_state\` CLEAN |
| \`  .reviews_approved_rose\` | boolean or null | ... had more \`reviews_approved\` than \`signals\` (0 without signals) |
| \`  .retried\` | boolean or null | the same action was recorded again on the PR in the horizon |
| \`  .improved\` | boolean or null | one of the five above became true that was not already true in \`signals\` |
| \`outcome\` | object or null | the PR's latest \`outcome\` at or after \`time\`: \`result\`, \`detail\`, \`resolution_hours\`, \`time\` (as schema 1) |
| \`hours_to_outcome\` | number or null | hours from the action to that outcome |
| \`outcome_class\` | one of ${OUTCOME_CLASSES.join(", ")} | \`success\` with no head_sha change between the action and the outcome: merged_unchanged, with one: merged_with_iteration; \`closed\`: closed_unmerged; \`escalated\`: escalated; another result: other; no outcome: open |
| \`censored\` | boolean | no outcome is known (outcome_class open): the PR is still open, was reopened after its latest outcome, or the action came after it |`;

/** A short markdown dataset card: what the lines are, their fields and units, how labels are made, caveats. */
export function datasetCard(input: CardInput): string {
  const c = input.counts;
  const learning = input.kind === "examples" && input.schema === 2;
  const range = `${input.since ? input.since.toISOString() : "the first point"} to ${input.until ? input.until.toISOString() : "the export"}`;
  const lines: string[] = [
    `# pr-telemetry dataset: ${input.kind}${learning ? " (schema 2)" : ""}`,
    "",
    `Generated ${input.generatedAt.toISOString()} by \`pr-telemetry export --kind ${input.kind}${learning ? ` --schema 2 --format ${input.format ?? "jsonl"}` : input.kind === "examples" ? " --schema 1" : ""}\` from the ${input.from}, ${range}${input.repos.length ? `, repositories ${input.repos.join(", ")}` : ""}.`,
    "",
    "## Files",
    "",
  ];
  if (input.written.splits) {
    const s = input.written.splits;
    lines.push(
      "| file | PRs | lines |",
      "| --- | --- | --- |",
      ...(["train", "validation", "test"] as const).map((n, i) => `| \`${input.files[i]}\` | ${s[n].prs} | ${s[n].lines} |`),
      "",
      "Split by PR and by time: PRs are ordered by their newest line, the oldest go to train and the most recent to test. Every line of a PR is in one file only.",
    );
  } else {
    lines.push(`\`${input.files[0] ?? "stdout"}\`: ${c.lines} lines, ${c.prs} PRs.`);
  }
  lines.push(
    "",
    "## Counts",
    "",
    `- points read: ${c.read}; duplicates merged: ${c.duplicates}; points without a repo/pr tag (left out): ${c.withoutPr}`,
    `- unreadable lines skipped: ${input.unreadable}${input.unreadable ? " (torn by a full disk or a power loss, or damaged; the export left them out)" : ""}`,
  );
  if (input.kind === "examples") {
    lines.push(`- examples: ${c.examples}; censored (no outcome yet): ${c.censored}; without signals: ${c.withoutSignals}`);
  }
  const l = c.learning;
  if (learning && l) {
    lines.push(
      `- time range of the actions: ${l.firstTime ?? "-"} to ${l.lastTime ?? "-"}`,
      `- labels censored (data ends before the horizon): ${HORIZONS.map((h) => `${h} h: ${l.censoredByHorizon[`h${h}` as "h1"]}`).join("; ")}`,
      `- outcome classes: ${OUTCOME_CLASSES.map((k) => `${k} ${l.outcomeClasses[k] ?? 0}`).join("; ")}`,
    );
  }
  lines.push("", "## Lines", "");
  if (learning) {
    lines.push(
      input.format === "parquet"
        ? "One row for each `action_taken`, in (repo, pr, time) order, in Parquet: nested keys flattened to dotted columns (`signals.<field>`, `history.<field>`, `labels.h1.<label>`, `outcome.<field>`), times as TIMESTAMP (ms, UTC), `next_observation_changed` and `history.prior_actions_by_type` as JSON text. JSON Schema of the equivalent line: `schemas/example-v2.schema.json`."
        : "One JSON object a line for each `action_taken`, in (repo, pr, time) order (JSON Schema: `schemas/example-v2.schema.json`).",
      "",
      "### Features (as of the action's time)",
      "",
      LEARNING_FEATURES,
      "",
      "### Labels (what happened after)",
      "",
      LEARNING_LABELS,
      "",
      "### Signals (`pr_observation` fields)",
      "",
      fieldTable("pr_observation"),
    );
  } else if (input.kind === "examples") {
    lines.push(
      "One JSON object a line for each `action_taken`, in (repo, pr, time) order:",
      "",
      EXAMPLE_FIELDS,
      "",
      "### Signals (`pr_observation` fields)",
      "",
      fieldTable("pr_observation"),
      "",
      "### Labels",
      "",
      "- The label of an example is its `outcome.result`: `success` (merged), `closed` (closed without merging), or what the orchestrator recorded (e.g. `escalated`). It is the PR's *latest* outcome at or after the action, so a PR closed, reopened and merged is a success.",
      "- `hours_to_outcome` and `outcome.resolution_hours` are regression targets (hours, floats).",
      "- Censored examples (`censored: true`, `outcome: null`) are PRs whose result is not known yet; drop them for classification or use them as right-censored data for time-to-event models.",
    );
  } else {
    const measurement = KIND_MEASUREMENT[input.kind];
    lines.push(
      `One JSON object a line for each \`${measurement}\` point, in (repo, pr, time) order: \`repo\`, \`pr\` (integer), \`time\` (ISO-8601 UTC, ms), the other tags, then the fields (a field named like a tag is written \`field_<name>\`).`,
      "",
      fieldTable(measurement),
    );
  }
  lines.push(
    "",
    "## Caveats",
    "",
    "- Point in time: `signals` is never later than the action, not even by a millisecond; an observation at the action's very millisecond counts as before it.",
    "- Observations are taken on GitHub events and by the periodic sweep, not continuously: the newest observation before an action may be minutes old (`signals_time` says how old).",
    "- Duplicates (same measurement, tags and time) are merged field by field, the later write's value winning, as InfluxDB stores them, so the journal and InfluxDB give the same lines.",
    "- `--since` selects the actions (or points); signals and outcomes are looked up in all the data up to `--until`.",
    "- `mergeable` is absent when GitHub had not computed mergeability; a missing field is not `false`.",
    "- Action success depends on what else happened to the PR: an example shows association, not the effect of the action alone.",
    "",
  );
  return lines.join("\n");
}

import { FIELD_TYPES } from "../store/field-types.js";
import type { ExportCounts, ExportKind } from "./export-lines.js";
import { KIND_MEASUREMENT } from "./export-lines.js";
import type { WriteResult } from "./write-export.js";

export interface CardInput {
  kind: ExportKind;
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

/** A short markdown dataset card: what the lines are, their fields and units, how labels are made, caveats. */
export function datasetCard(input: CardInput): string {
  const c = input.counts;
  const range = `${input.since ? input.since.toISOString() : "the first point"} to ${input.until ? input.until.toISOString() : "the export"}`;
  const lines: string[] = [
    `# pr-telemetry dataset: ${input.kind}`,
    "",
    `Generated ${input.generatedAt.toISOString()} by \`pr-telemetry export --kind ${input.kind}\` from the ${input.from}, ${range}${input.repos.length ? `, repositories ${input.repos.join(", ")}` : ""}.`,
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
  lines.push("", "## Lines", "");
  if (input.kind === "examples") {
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

import { FIELD_TYPES } from "../store/field-types.js";
import { HORIZONS, HOUR_SIGNALS, MERGE_STATES, type LearningExample } from "./build-learning-examples.js";

/** The Parquet type of a column (hyparquet-writer's basic types). */
export type ColumnType = "STRING" | "INT32" | "DOUBLE" | "BOOLEAN" | "TIMESTAMP" | "JSON";

/** One typed, flat column: its name is the path of the value in the JSON line, joined by dots. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

const SIGNAL_TYPE = { integer: "INT32", float: "DOUBLE", boolean: "BOOLEAN", string: "STRING" } as const;
const HOURLY = new Set<string>(HOUR_SIGNALS);

/**
 * The columns of a schema-2 example, in order: nested objects flattened to `signals.<field>`,
 * `history.<field>`, `labels.h1.<label>`, `outcome.<field>`; times as TIMESTAMP (ms, UTC); lists and
 * open-ended maps (`next_observation_changed`, `history.prior_actions_by_type`) as JSON text.
 * Signals are the declared `pr_observation` fields (FIELD_TYPES): an undeclared field is in the
 * JSON lines only. The hour signals are DOUBLE (advanced to the action's time).
 */
export const LEARNING_COLUMNS: readonly ColumnSpec[] = [
  { name: "repo", type: "STRING" },
  { name: "pr", type: "INT32" },
  { name: "time", type: "TIMESTAMP" },
  { name: "action", type: "STRING" },
  { name: "reason", type: "STRING" },
  { name: "source", type: "STRING" },
  { name: "author", type: "STRING" },
  { name: "author_kind", type: "STRING" },
  { name: "agent", type: "STRING" },
  ...Object.entries(FIELD_TYPES.pr_observation!).map(([field, type]): ColumnSpec => ({
    name: `signals.${field}`,
    type: HOURLY.has(field) ? "DOUBLE" : SIGNAL_TYPE[type],
  })),
  { name: "signals_time", type: "TIMESTAMP" },
  { name: "signals_age_s", type: "DOUBLE" },
  { name: "history.observed_hours", type: "DOUBLE" },
  ...MERGE_STATES.map((s): ColumnSpec => ({ name: `history.hours_in_merge_state.${s}`, type: "DOUBLE" })),
  { name: "history.hours_draft", type: "DOUBLE" },
  { name: "history.pushes", type: "INT32" },
  { name: "history.review_rounds", type: "INT32" },
  { name: "history.check_failures", type: "INT32" },
  { name: "history.check_fail_pass_flips", type: "INT32" },
  { name: "history.prior_actions", type: "INT32" },
  { name: "history.prior_same_action", type: "INT32" },
  { name: "history.prior_actions_by_type", type: "JSON" },
  { name: "history.hours_since_last_action", type: "DOUBLE" },
  { name: "next_observation_time", type: "TIMESTAMP" },
  { name: "next_observation_changed", type: "JSON" },
  ...HORIZONS.flatMap((h) =>
    (["censored", "checks_failing_zero", "threads_unresolved_zero", "mergeable", "merge_state_clean", "reviews_approved_rose", "retried", "improved"] as const).map(
      (label): ColumnSpec => ({ name: `labels.h${h}.${label}`, type: "BOOLEAN" }),
    ),
  ),
  { name: "outcome.result", type: "STRING" },
  { name: "outcome.detail", type: "STRING" },
  { name: "outcome.resolution_hours", type: "DOUBLE" },
  { name: "outcome.time", type: "TIMESTAMP" },
  { name: "hours_to_outcome", type: "DOUBLE" },
  { name: "outcome_class", type: "STRING" },
  { name: "censored", type: "BOOLEAN" },
];

const PATHS = LEARNING_COLUMNS.map((c) => c.name.split("."));

/** The value at a dotted path of a JSON object, null where any step is missing or null. */
function at(row: unknown, path: string[]): unknown {
  let value = row;
  for (const key of path) {
    if (value === null || typeof value !== "object") return null;
    value = (value as Record<string, unknown>)[key];
  }
  return value === undefined ? null : value;
}

/**
 * The rows as column arrays for hyparquet-writer: times as Dates, JSON columns as values. A
 * value of another type than its column's (a signal written with another type than declared, a
 * count beyond INT32) is null there, as the InfluxDB reader drops a conflicting field; the JSON
 * lines keep it.
 */
export function learningColumns(rows: LearningExample[]): Array<{ name: string; type: ColumnType; data: unknown[] }> {
  return LEARNING_COLUMNS.map((spec, i) => {
    const path = PATHS[i]!;
    const data = new Array<unknown>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const value = at(rows[r], path);
      if (value === null) data[r] = null;
      else if (spec.type === "TIMESTAMP") data[r] = new Date(value as string);
      else if (spec.type === "JSON") data[r] = value; // hyparquet-writer serialises JSON columns itself
      else if (spec.type === "INT32" && (!Number.isInteger(value) || Math.abs(value as number) > 2 ** 31 - 1)) data[r] = null;
      else if (spec.type === "STRING" && typeof value !== "string") data[r] = String(value);
      else if ((spec.type === "DOUBLE" || spec.type === "INT32") && typeof value !== "number") data[r] = null;
      else if (spec.type === "BOOLEAN" && typeof value !== "boolean") data[r] = null;
      else data[r] = value;
    }
    return { name: spec.name, type: spec.type, data };
  });
}

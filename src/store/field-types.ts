import type { FieldValue } from "./point.js";

/**
 * The declared type of every field the app writes. JSON cannot tell 2 from 2.0, but InfluxDB
 * rejects a write whose field type differs from the type already stored ("field type conflict"),
 * so the journal's numbers are typed from this table when they are forwarded. A field type
 * never changes between writes: an integer stays an integer.
 */
export type FieldType = "integer" | "float" | "boolean" | "string";

export const FIELD_TYPES: Record<string, Record<string, FieldType>> = {
  pr_observation: {
    merge_state: "string",
    mergeable: "boolean",
    is_draft: "boolean",
    auto_merge_enabled: "boolean",
    checks_total: "integer",
    checks_passing: "integer",
    checks_failing: "integer",
    checks_pending: "integer",
    reviews_approved: "integer",
    reviews_changes_requested: "integer",
    review_requests: "integer",
    threads_total: "integer",
    threads_unresolved: "integer",
    pr_age_hours: "integer",
    last_push_hours: "integer",
    last_activity_hours: "integer",
    conflict_attempts: "integer",
    review_fix_attempts: "integer",
    head_sha: "string",
    base_ref: "string",
    head_ref: "string",
    review_decision: "string",
    commits: "integer",
    additions: "integer",
    deletions: "integer",
    changed_files: "integer",
    state: "string",
    trigger: "string",
    delivery_id: "string",
    /** true on a point the history backfill rebuilt from GitHub's timeline (src/backfill). */
    reconstructed: "boolean",
  },
  action_taken: {
    action: "string",
    reason: "string",
    source: "string",
    actor: "string",
    delivery_id: "string",
  },
  outcome: {
    result: "string",
    detail: "string",
    resolution_hours: "float",
    source: "string",
    delivery_id: "string",
  },
};

/**
 * The most hours any `*_hours` field may hold: 1,000,000 hours is about 114 years, longer than any
 * pull request can have lived (GitHub opened in 2008), yet far from the numbers that overflow
 * sums and means (1e308 made every later estimate Infinity). A value above it is a mistake.
 */
export const MAX_HOURS = 1_000_000;

/** An inclusive range of a numeric field. */
export interface FieldRange {
  min: number;
  max: number;
}

/**
 * The range of a declared numeric field: every integer field the app writes is a count or whole
 * hours (never negative; at most Number.MAX_SAFE_INTEGER, past which a JS number is not exact),
 * every `*_hours` field is at most MAX_HOURS, and `resolution_hours` is a non-negative float.
 * Undefined for other fields (an undeclared number only has to be finite).
 */
export function fieldRange(measurement: string, field: string): FieldRange | undefined {
  const declared = FIELD_TYPES[measurement]?.[field];
  if (declared !== "integer" && declared !== "float") return undefined;
  return { min: 0, max: field.endsWith("_hours") ? MAX_HOURS : Number.MAX_SAFE_INTEGER };
}

/** The type a field is written with: the declared one, else inferred from the JS value (numbers as floats). */
export function fieldType(measurement: string, field: string, value: FieldValue): FieldType {
  const declared = FIELD_TYPES[measurement]?.[field];
  if (declared) return declared;
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "string") return "string";
  return "float";
}

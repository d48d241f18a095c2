import { StoreError } from "../errors.js";
import type { FieldValue, Point } from "./point.js";
import { assertStorable } from "./point-limits.js";

/**
 * One journal line, exactly:
 * {"measurement":"pr_observation","time":"2026-02-05T09:00:00.000Z","tags":{...},"fields":{...}}
 * Key order is fixed so lines are stable and diffable; tag values are strings; field values are
 * JSON numbers, booleans or strings. A point that cannot be stored (a non-finite number, a
 * number outside its field's range, a time InfluxDB cannot store) is refused with PointLimitError
 * (see point-limits.ts): this is the one way into the journal, so no path can poison it.
 */
export function serializePoint(point: Point): string {
  assertStorable(point);
  return formatPointLine(point);
}

/**
 * A point in the journal's line format, without the guard: for readers that pass on points
 * already stored (the export of points read from InfluxDB), which must not fail on a value
 * stored before such values were refused.
 */
export function formatPointLine(point: Point): string {
  return JSON.stringify({
    measurement: point.measurement,
    time: point.time.toISOString(),
    tags: point.tags,
    fields: point.fields,
  });
}

/** Parses one journal line (without its newline). Throws StoreError on anything else. */
export function parsePointLine(line: string): Point {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new StoreError(`not a JSON line: ${line.slice(0, 80)}`);
  }
  const r = raw as { measurement?: unknown; time?: unknown; tags?: unknown; fields?: unknown };
  if (typeof r !== "object" || r === null || Array.isArray(r) || typeof r.measurement !== "string" || typeof r.time !== "string") {
    throw new StoreError(`not a point line: ${line.slice(0, 80)}`);
  }
  const time = new Date(r.time);
  if (Number.isNaN(time.getTime())) throw new StoreError(`invalid time "${r.time}" in journal line`);
  const tags = r.tags ?? {};
  const fields = r.fields ?? {};
  if (!isStringRecord(tags) || !isFieldRecord(fields)) {
    throw new StoreError(`tags must be strings and fields finite numbers, booleans or strings: ${line.slice(0, 80)}`);
  }
  return { measurement: r.measurement, time, tags, fields };
}

// Checked by hand rather than with a zod schema: every line the forwarder ships goes through
// here, and a loop over a few keys costs nothing next to the JSON.parse before it.
function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== "string") return false;
  return true;
}

/** Whether `value` is a point's fields: an object of finite numbers, booleans and strings. */
export function isFieldRecord(value: unknown): value is Record<string, FieldValue> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === "number" ? !Number.isFinite(v) : typeof v !== "string" && typeof v !== "boolean") return false;
  }
  return true;
}

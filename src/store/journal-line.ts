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
  if (typeof r !== "object" || r === null || typeof r.measurement !== "string" || typeof r.time !== "string") {
    throw new StoreError(`not a point line: ${line.slice(0, 80)}`);
  }
  const time = new Date(r.time);
  if (Number.isNaN(time.getTime())) throw new StoreError(`invalid time "${r.time}" in journal line`);
  const tags = (r.tags ?? {}) as Record<string, string>;
  const fields = (r.fields ?? {}) as Record<string, FieldValue>;
  if (typeof tags !== "object" || typeof fields !== "object") {
    throw new StoreError(`tags and fields must be objects: ${line.slice(0, 80)}`);
  }
  return { measurement: r.measurement, time, tags, fields };
}

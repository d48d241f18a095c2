import { StoreError } from "../errors.js";
import type { FieldValue, Point } from "./point.js";

/**
 * One journal line, exactly:
 * {"measurement":"pr_observation","time":"2026-02-05T09:00:00.000Z","tags":{...},"fields":{...}}
 * Key order is fixed so lines are stable and diffable; tag values are strings; field values are
 * JSON numbers, booleans or strings. Non-finite numbers are refused (JSON would write null).
 */
export function serializePoint(point: Point): string {
  for (const [key, value] of Object.entries(point.fields)) {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new StoreError(`field "${key}" of ${point.measurement} is ${value}; only finite numbers can be stored`);
    }
  }
  if (Number.isNaN(point.time.getTime())) {
    throw new StoreError(`a ${point.measurement} point has an invalid time`);
  }
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

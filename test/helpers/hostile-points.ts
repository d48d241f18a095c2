import { FIELD_TYPES } from "../../src/store/field-types.js";
import { makePoint, type Point } from "../../src/store/point.js";

/** Strings line protocol and InfluxQL find hard: separators, quotes, backslashes (also last), newlines, emoji. */
export const HOSTILE_STRINGS = [
  "plain",
  "with space",
  "a,comma",
  "key=value",
  'double"quote',
  "single'quote",
  "back\\slash",
  "trailing backslash\\",
  "two trailing\\\\",
  "line\nbreak",
  "carriage\rreturn",
  "tab\there",
  "emoji 🚀 and ü",
  "percent %25 %0A literal",
  "\\ leading backslash",
  " ,=\\\"' all",
];

/**
 * One point of every measurement per hostile string, every declared field set (integers,
 * floats, booleans, strings), tags and string fields carrying the hostile string; distinct times.
 */
export function hostilePoints(base = Date.UTC(2026, 1, 5, 9)): Point[] {
  const points: Point[] = [];
  HOSTILE_STRINGS.forEach((s, i) => {
    for (const [measurement, fields] of Object.entries(FIELD_TYPES)) {
      const values: Record<string, string | number | boolean> = {};
      let n = 0;
      for (const [field, type] of Object.entries(fields)) {
        n++;
        values[field] = type === "integer" ? i * 100 + n : type === "float" ? i + n / 4 : type === "boolean" ? (i + n) % 2 === 0 : `${field}: ${s}`;
      }
      points.push(
        makePoint(measurement, new Date(base + i * 1000), { repo: `owner/${s}`, pr: String(i + 1), author: s }, values),
      );
    }
  });
  return points;
}

/** Points sorted by identity, for comparing what a store gives back. */
export function sortPoints(points: Point[]): Point[] {
  const key = (p: Point) => `${p.measurement}|${p.time.getTime()}|${JSON.stringify(Object.entries(p.tags).sort())}`;
  return [...points].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Simple numbered points (for volume tests): `n` distinct outcomes in repo `repo`. */
export function manyPoints(n: number, start = 0, base = Date.UTC(2026, 1, 5)): Point[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    return makePoint("outcome", new Date(base + i), { repo: "o/r", pr: String(i % 500) }, { result: "success", detail: `point ${i}`, resolution_hours: i / 10 });
  });
}

import { InputError } from "../errors.js";
import { FIELD_TYPES, fieldRange } from "./field-types.js";
import type { FieldValue, Point } from "./point.js";

/**
 * The earliest and latest times InfluxDB can store, in whole milliseconds (the precision points
 * are written with). InfluxDB keeps nanoseconds in a signed 64-bit integer and reserves its two
 * extremes: valid times run from -9223372036854775806 ns (1677-09-21T00:12:43.145224194Z) to
 * 9223372036854775806 ns (2262-04-11T23:47:16.854775806Z); see "minimum and maximum timestamps"
 * in InfluxDB's line-protocol reference. A point outside is refused by InfluxDB with HTTP 400 and
 * would end in the dead-letter folder, so it is never written to the journal.
 */
export const INFLUX_MIN_TIME_MS = -9_223_372_036_854;
export const INFLUX_MAX_TIME_MS = 9_223_372_036_854;

/**
 * A point that must not be stored: a non-finite number, a number outside its field's range, a
 * value of the wrong type for a declared field, or a time InfluxDB cannot store. `field` names
 * the field ("time" for the time). Thrown by the journal's serializer, whatever path the point
 * came from, so nothing can poison the journal; callers with user input check it before (with
 * zod, see src/actions/record-input.ts) to answer 400 / exit 2.
 */
export class PointLimitError extends InputError {
  override name = "PointLimitError";
}

/** Why `time` cannot be stored in InfluxDB, or undefined when it can. */
export function timeProblem(time: Date): string | undefined {
  const ms = time.getTime();
  if (Number.isNaN(ms)) return "is not a valid time";
  if (ms < INFLUX_MIN_TIME_MS) return `is before ${new Date(INFLUX_MIN_TIME_MS).toISOString()}, the earliest time InfluxDB can store`;
  if (ms > INFLUX_MAX_TIME_MS) return `is after ${new Date(INFLUX_MAX_TIME_MS).toISOString()}, the latest time InfluxDB can store`;
  return undefined;
}

/**
 * Why `time` is too far in the future, or undefined. An event is recorded when it happened, so a
 * time ahead of `now` is a clock or input mistake; `maxFutureHours` (MAX_FUTURE_HOURS) leaves
 * room for clock skew and time zones given wrong.
 */
export function futureProblem(time: Date, now: Date, maxFutureHours: number): string | undefined {
  const limit = now.getTime() + maxFutureHours * 3_600_000;
  if (time.getTime() <= limit) return undefined;
  return `is more than ${maxFutureHours} hour(s) in the future (after ${new Date(limit).toISOString()}); record events when they happened (MAX_FUTURE_HOURS sets the limit)`;
}

/**
 * Why an ISO 8601 text carries a time finer than a millisecond, or undefined. Points are stored
 * with millisecond precision (the journal's times and InfluxDB's precision=ms), so such a time
 * would be silently truncated, and two distinct times could become one point. Trailing zeros
 * (`.000000Z`) lose nothing and are accepted.
 */
export function subMillisecondProblem(iso: string): string | undefined {
  const fraction = /[T ]\d{2}:\d{2}(?::\d{2})?[.,](\d+)/.exec(iso)?.[1];
  if (!fraction || fraction.length <= 3 || /^0*$/.test(fraction.slice(3))) return undefined;
  return "is finer than a millisecond; times are stored with millisecond precision, so give at most 3 decimals of seconds";
}

/** Why `value` cannot be stored as field `field` of `measurement`, or undefined when it can. */
export function fieldProblem(measurement: string, field: string, value: FieldValue): string | undefined {
  const declared = FIELD_TYPES[measurement]?.[field];
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `is ${value}; only finite numbers can be stored`;
    if (declared === "boolean" || declared === "string") return `must be a ${declared}, got the number ${value}`;
    if (declared === "integer" && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
    const range = fieldRange(measurement, field);
    if (range && (value < range.min || value > range.max)) return `must be between ${range.min} and ${range.max}, got ${value}`;
    return undefined;
  }
  if ((declared === "integer" || declared === "float") && typeof value !== "number") return `must be a number, got ${JSON.stringify(value)}`;
  if (declared === "boolean" && typeof value !== "boolean") return `must be true or false, got ${JSON.stringify(value)}`;
  return undefined;
}

/**
 * Throws PointLimitError when the point cannot be stored as it is (see fieldProblem and
 * timeProblem). The journal's serializer calls it for every point it writes.
 */
export function assertStorable(point: Point): void {
  for (const [key, value] of Object.entries(point.fields)) {
    const problem = fieldProblem(point.measurement, key, value);
    if (problem) throw new PointLimitError(`field ${key} of ${point.measurement} ${problem}`, key);
  }
  const problem = timeProblem(point.time);
  if (problem) throw new PointLimitError(`the time of a ${point.measurement} point ${problem}`, "time");
}

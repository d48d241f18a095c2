import { escape, Point as LinePoint } from "@influxdata/influxdb-client";
import { StoreError } from "../errors.js";
import { fieldType } from "./field-types.js";
import type { FieldValue, Point } from "./point.js";

/**
 * How tag values are stored in InfluxDB. Line protocol cannot carry every string as a tag value:
 * a value ending in a backslash escapes the separator after it and breaks the line (InfluxDB
 * answers "invalid tag format"), and a newline, carriage return or tab cannot appear in a tag at
 * all (the client library writes them as the two characters `\n`, which InfluxDB then stores as
 * a backslash and an `n`, indistinguishable from a real backslash-n). So, before a tag value is
 * escaped by the client library, exactly these characters are percent-encoded:
 *
 *   `%` -> `%25`, newline -> `%0A`, carriage return -> `%0D`, tab -> `%09`,
 *   and a backslash that is the LAST character of the value -> `%5C`.
 *
 * Every other character (spaces, commas, `=`, quotes, other backslashes, emoji) is stored as is;
 * the client's Point escapes them for line protocol. GitHub logins and repository names never
 * contain any of the encoded characters, so real tags are stored verbatim. The encoding is
 * reversible (`%` itself is always encoded), and read() decodes it. An empty tag value cannot be
 * stored in InfluxDB at all: such a tag is left out of the line (and so absent when read back).
 * String FIELD values need no transform: the client quotes them and InfluxDB keeps newlines.
 */
export function encodeTagValue(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  let out = value.replace(/[%\n\r\t]/g, (c) => TAG_CODES[c]!);
  if (out.endsWith("\\")) out = `${out.slice(0, -1)}%5C`;
  return out;
}

const NEEDS_ENCODING = /[%\n\r\t]|\\$/;
const TAG_CODES: Record<string, string> = { "%": "%25", "\n": "%0A", "\r": "%0D", "\t": "%09" };
const TAG_DECODES: Record<string, string> = { "%25": "%", "%0A": "\n", "%0D": "\r", "%09": "\t", "%5C": "\\" };

/** The inverse of encodeTagValue, applied to tag values read back from InfluxDB. */
export function decodeTagValue(stored: string): string {
  return stored.replace(/%(25|0A|0D|09|5C)/g, (code) => TAG_DECODES[code]!);
}

/**
 * One point as a line of InfluxDB line protocol with a millisecond timestamp (write with
 * precision=ms). Escaping is the client library's Point; each field is written with its declared
 * type (src/store/field-types.ts) so an integer stays an integer (`3i`). The time is always the
 * point's own, never "now" at send time, so a re-sent point replaces itself instead of doubling.
 *
 * The line is exactly what `Point.toLineProtocol()` writes (test/store/influx-line.test.ts compares
 * both byte for byte), assembled from parts the client escaped once and that are remembered:
 * - the series prefix (escaped measurement + sorted, escaped tag set) per measurement and tags:
 *   a series writes many points, and the client escapes character by character;
 * - each escaped field name.
 * Measured on the benchmark's pr_observation points this cuts the conversion from about 11 to
 * about 7 µs a point (bench/scenarios/influx.ts; the forwarder's CPU is mostly conversion).
 * Field values are still formatted and escaped by a Point per line (its setters fill
 * `Point.fields`, the client's public map of escaped values), and joined in the order Point
 * uses: field keys sorted, empty keys left out.
 */
export function toLineProtocol(point: Point): string {
  const values = new LinePoint(point.measurement);
  const fields = point.fields;
  for (const key in fields) addField(values, point.measurement, key, fields[key]!);
  const time = point.time.getTime();
  if (!Number.isFinite(time)) throw new StoreError(`a ${point.measurement} point has an invalid time`);
  const prefix = point.measurement === "" ? undefined : seriesPrefix(point.measurement, point.tags);
  const escaped = values.fields;
  const keys = Object.keys(escaped).sort();
  let line = prefix ?? "";
  let separator = " ";
  for (const key of keys) {
    if (key === "") continue;
    line += separator + fieldName(key) + "=" + escaped[key]!;
    separator = ",";
  }
  if (prefix === undefined || separator === " ") {
    throw new StoreError(`a ${point.measurement} point at ${point.time.toISOString()} has no fields; InfluxDB needs at least one`);
  }
  return `${line} ${time}`;
}

/** How many series prefixes / field names are remembered; past that the memory starts over. */
const CACHE_LIMIT = 10_000;
const prefixes = new Map<string, string>();
const fieldNames = new Map<string, string>();

/**
 * The escaped `measurement,tag=value,...` of a series, by the client's Point: a Point with the
 * tags and one known field and no time writes `<prefix> f=0i`, so the prefix is that line minus
 * its known end.
 */
function seriesPrefix(measurement: string, tags: Record<string, string>): string {
  const key = measurement + "\n" + JSON.stringify(tags);
  let prefix = prefixes.get(key);
  if (prefix === undefined) {
    const line = new LinePoint(measurement);
    for (const tag in tags) {
      const value = tags[tag]!;
      if (value !== "") line.tag(tag, encodeTagValue(value));
    }
    line.intField("f", 0).timestamp("");
    prefix = line.toLineProtocol()!.slice(0, -PROBE_END.length);
    if (prefixes.size >= CACHE_LIMIT) prefixes.clear();
    prefixes.set(key, prefix);
  }
  return prefix;
}
const PROBE_END = " f=0i";

/** A field key as the client's Point escapes it. */
function fieldName(key: string): string {
  let name = fieldNames.get(key);
  if (name === undefined) {
    name = escape.tag(key);
    if (fieldNames.size >= CACHE_LIMIT) fieldNames.clear();
    fieldNames.set(key, name);
  }
  return name;
}

/**
 * How many lines of line protocol `lines` holds: an element may carry several lines joined by
 * "\n" (the forwarder sends its batches that way, see Batch in forwarder.ts). For messages only.
 */
export function lineCount(lines: readonly string[]): number {
  let count = 0;
  for (const text of lines) {
    count++;
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  }
  return count;
}

/**
 * The request body for `lines`: each element and a newline, encoded as UTF-8 straight into one
 * buffer. (`Buffer.from(lines.join("\n") + "\n")` copies a batch twice more on the JS heap.)
 */
export function lineProtocolBody(lines: readonly string[]): Buffer {
  let size = 0;
  for (const text of lines) size += Buffer.byteLength(text, "utf8") + 1;
  const body = Buffer.allocUnsafe(size);
  let at = 0;
  for (const text of lines) {
    at += body.write(text, at, "utf8");
    body[at++] = 10;
  }
  return body;
}

function addField(line: LinePoint, measurement: string, key: string, value: FieldValue): void {
  const type = fieldType(measurement, key, value);
  try {
    switch (type) {
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`expected a whole number, got ${JSON.stringify(value)}`);
        line.intField(key, value);
        return;
      case "float":
        if (typeof value !== "number") throw new Error(`expected a number, got ${JSON.stringify(value)}`);
        line.floatField(key, value);
        return;
      case "boolean":
        if (typeof value !== "boolean") throw new Error(`expected true or false, got ${JSON.stringify(value)}`);
        line.booleanField(key, value);
        return;
      case "string":
        line.stringField(key, typeof value === "string" ? value : String(value));
        return;
    }
  } catch (err) {
    throw new StoreError(`field "${key}" of ${measurement} is declared ${type}: ${(err as Error).message}`);
  }
}

/**
 * A field value read back from InfluxDB, typed per its declaration: InfluxQL's JSON and Flux's
 * CSV lose the integer/float distinction or carry everything as text. Throws StoreError for a
 * value that is not of its declared type: InfluxDB keeps a field's type per shard, so a field
 * written with another type into another shard (or before the app declared it) comes back as
 * that type, e.g. `checks_total` as "str". The stores skip such a point (and count it).
 */
export function restoreFieldValue(measurement: string, key: string, value: unknown): FieldValue | undefined {
  if (value === null || value === undefined) return undefined;
  const declared = fieldType(measurement, key, typeof value === "boolean" || typeof value === "number" ? value : String(value));
  const wrong = () => new StoreError(`field "${key}" of ${measurement} is declared ${declared} but InfluxDB holds ${JSON.stringify(value)} (a field type conflict between shards)`);
  switch (declared) {
    case "integer":
    case "float": {
      const n = typeof value === "number" ? value : typeof value === "string" && NUMBER.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n) || (declared === "integer" && !Number.isInteger(n))) throw wrong();
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      throw wrong();
    case "string":
      return typeof value === "string" ? value : String(value);
  }
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { StoreError } from "../errors.js";
import { parsePointLine } from "./journal-line.js";
import { listJournalFiles, type SkippedLine } from "./journal.js";
import type { FieldValue, Point } from "./point.js";
import type { ReadRange } from "./store.js";

/**
 * A journal point whose fields are parsed only when asked for, carrying its line. An export
 * reads every observation but uses the fields of few (the newest before each action), and
 * parsing all of them was most of its time; the line itself is what the sort spills.
 */
export class JournalLinePoint implements Point {
  #fields: Record<string, FieldValue> | undefined;
  constructor(
    readonly measurement: string,
    /** The time in ms; `time` makes the Date only when asked (a million Dates were GC work). */
    readonly timeMs: number,
    readonly tags: Record<string, string>,
    /** The journal line, exactly as stored (serializePoint's format). */
    readonly line: string,
    /** Where the line is: its file and byte range, to read it again (see JournalLineFetcher). */
    readonly file = "",
    readonly offset = 0,
    readonly length = 0,
  ) {}

  /** A short reference to the line ("@offset,length,\"file\"") for JournalLineFetcher. */
  get ref(): string {
    return `@${this.offset},${this.length},${quoted(this.file)}`;
  }

  get time(): Date {
    return new Date(this.timeMs);
  }

  get fields(): Record<string, FieldValue> {
    this.#fields ??= parsePointLine(this.line).fields;
    return this.#fields;
  }

  /**
   * The value of a string field without parsing the fields, or undefined when the field is not a
   * string (or absent). Sound on serializePoint's lines: inside a JSON string a quote is escaped,
   * so `,"name":"` or `{"name":"` after the fields' start is that field's key; a value with a
   * backslash (an escape) is left to the full parse.
   */
  stringField(name: string): string | undefined {
    if (this.#fields) return asString(this.#fields[name]);
    const fieldsAt = this.line.indexOf(FIELDS);
    const key = `"${name}":"`;
    for (let at = this.line.indexOf(key, fieldsAt + FIELDS.length - 1); at !== -1; at = this.line.indexOf(key, at + 1)) {
      const before = this.line.charCodeAt(at - 1);
      if (before !== 44 && before !== 123) continue; // not after "," or "{": inside a key
      const start = at + key.length;
      const end = this.line.indexOf('"', start);
      const value = this.line.slice(start, end);
      return value.includes("\\") ? asString(this.fields[name]) : value;
    }
    return undefined; // absent, or not a string
  }
}

function asString(value: FieldValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

let lastFile = "";
let lastQuoted = '""';
/** JSON.stringify(file), remembered for the file being read (every line of it needs it). */
function quoted(file: string): string {
  if (file !== lastFile) {
    lastFile = file;
    lastQuoted = JSON.stringify(file);
  }
  return lastQuoted;
}

// serializePoint writes exactly {"measurement":..,"time":"..","tags":{..},"fields":{..}}. A tag
// value is a JSON string, so '},"fields":{' cannot occur inside the tags object.
const HEAD = '{"measurement":';
const TIME = ',"time":"';
const TAGS = '","tags":';
const FIELDS = '},"fields":{';

/** Reads measurement, time and tags of a journal line without parsing its fields; undefined if the line is not in serializePoint's shape. */
export function parseJournalHead(line: string, file = "", offset = 0, length = 0): JournalLinePoint | undefined {
  if (!line.startsWith(HEAD) || !line.endsWith("}}")) return undefined;
  // A second head: a partial line joined to the next one (a write cut short, before appends
  // closed off partial lines). A quote inside a JSON string is escaped, so no whole line has it.
  if (line.indexOf(HEAD, HEAD.length) !== -1) return undefined;
  const t = line.indexOf(TIME, HEAD.length);
  if (t === -1) return undefined;
  const g = line.indexOf(TAGS, t + TIME.length);
  const f = line.indexOf(FIELDS, g);
  if (g === -1 || f === -1) return undefined;
  try {
    const quoted = line.charCodeAt(HEAD.length) === 34 && line.charCodeAt(t - 1) === 34;
    let measurement: unknown = quoted ? knownMeasurement(line, HEAD.length + 1, t - 1) : undefined;
    if (measurement === undefined) {
      const m = line.slice(HEAD.length, t);
      measurement = m.includes("\\") ? (JSON.parse(m) as unknown) : m.slice(1, -1);
    }
    const tags = parseStringObject(line.slice(g + TAGS.length, f + 1));
    const timeMs = isoTimeMs(line, t + TIME.length, g);
    if (typeof measurement !== "string" || typeof tags !== "object" || tags === null || Number.isNaN(timeMs)) {
      return undefined;
    }
    return new JournalLinePoint(measurement, timeMs, tags as Record<string, string>, line, file, offset, length);
  } catch {
    return undefined;
  }
}

// The tag names the app writes: matched in place, so a line's keys cost no new strings.
const KNOWN_KEYS = ["repo", "pr", "author"];

function knownKey(text: string, start: number, end: number): string {
  for (const key of KNOWN_KEYS) {
    if (key.length === end - start && text.startsWith(key, start)) return key;
  }
  return text.slice(start, end);
}

// Likewise the measurements (a slice of 13+ characters would keep the whole line alive).
const KNOWN_MEASUREMENTS = ["pr_observation", "action_taken", "outcome"];

function knownMeasurement(text: string, start: number, end: number): string | undefined {
  for (const m of KNOWN_MEASUREMENTS) {
    if (m.length === end - start && text.startsWith(m, start)) return m;
  }
  return undefined;
}

/**
 * Parses a JSON object of string values (a journal line's tags). Hand-written because JSON.parse
 * was a third of the export's parsing time: without a backslash every quote is a delimiter, so
 * the common case is a few indexOf calls; anything else goes to JSON.parse.
 */
export function parseStringObject(text: string): unknown {
  if (text.includes("\\")) return stringsOnly(JSON.parse(text));
  const out: Record<string, string> = {};
  if (text === "{}") return out;
  let i = 1;
  for (;;) {
    if (text.charCodeAt(i) !== 34) return stringsOnly(JSON.parse(text));
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd === -1 || text.charCodeAt(keyEnd + 1) !== 58 || text.charCodeAt(keyEnd + 2) !== 34) return stringsOnly(JSON.parse(text));
    const valueEnd = text.indexOf('"', keyEnd + 3);
    const key = knownKey(text, i + 1, keyEnd);
    if (valueEnd === -1 || key === "__proto__") return stringsOnly(JSON.parse(text));
    out[key] = text.slice(keyEnd + 3, valueEnd);
    const next = text.charCodeAt(valueEnd + 1);
    if (next === 125 && valueEnd + 2 === text.length) return out;
    if (next !== 44) return stringsOnly(JSON.parse(text));
    i = valueEnd + 2;
  }
}

/** Tags are strings: anything else (`"pr":5`, a nested object) makes the line unreadable. */
function stringsOnly(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StoreError("tags are not an object");
  for (const key in value) {
    if (typeof (value as Record<string, unknown>)[key] !== "string") throw new StoreError(`tag "${key}" is not a string`);
  }
  return value;
}

/**
 * The ms of the ISO time at text[start..end), as Date.parse gives it. serializePoint writes
 * toISOString()'s `YYYY-MM-DDTHH:MM:SS.mmmZ`: that shape is read digit by digit (Date.parse was
 * a fifth of the start-up pass over a million observations); any other text goes to Date.parse.
 */
export function isoTimeMs(text: string, start: number, end: number): number {
  if (end - start !== 24 || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 10) !== 84 || text.charCodeAt(start + 23) !== 90) {
    return Date.parse(text.slice(start, end));
  }
  const n = (from: number, digits: number): number => {
    let v = 0;
    for (let i = from; i < from + digits; i++) {
      const c = text.charCodeAt(start + i) - 48;
      if (c < 0 || c > 9) return NaN;
      v = v * 10 + c;
    }
    return v;
  };
  const year = n(0, 4);
  const month = n(5, 2);
  const day = n(8, 2);
  const hour = n(11, 2);
  const minute = n(14, 2);
  const second = n(17, 2);
  const ms = n(20, 3);
  const separators = text.charCodeAt(start + 7) === 45 && text.charCodeAt(start + 13) === 58 && text.charCodeAt(start + 16) === 58 && text.charCodeAt(start + 19) === 46;
  if (!separators || !(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return Date.parse(text.slice(start, end));
  const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0-99 to 1900-1999 and rolls a day past the month's end over: leave those to Date.parse.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (year < 100 || day > monthDays) return Date.parse(text.slice(start, end));
  return time;
}

/** The time of a point in ms, without making a Date for a journal point. */
export function timeMsOf(point: Point): number {
  return point instanceof JournalLinePoint || "timeMs" in point ? (point as { timeMs: number }).timeMs : point.time.getTime();
}

/** inRange, for a point whose time is already known in ms. */
function inRangeMs(point: Point, t: number, range: ReadRange | undefined): boolean {
  if (!range) return true;
  if (range.since && t < range.since.getTime()) return false;
  if (range.until && t > range.until.getTime()) return false;
  if (range.measurements && !range.measurements.includes(point.measurement)) return false;
  if (range.repos && !range.repos.includes(point.tags.repo ?? "")) return false;
  return true;
}

/**
 * Like readJournal (same files, order, range and skipping of bad or torn lines), but yields the
 * points of each block read (up to 1 MiB) as one batch, and JournalLinePoints whose fields are
 * parsed on first use. Batches because two async generators per line (readJournalLines, then
 * readJournal) cost more than the export's sorting. A line in another shape that parsePointLine
 * still accepts is yielded as a plain Point.
 */
export async function* readJournalBatches(
  dir: string,
  range?: ReadRange,
  onSkip?: (skipped: SkippedLine) => void,
): AsyncGenerator<Point[]> {
  for (const name of await listJournalFiles(dir)) {
    const path = join(dir, name);
    // Synchronous reads into one reused buffer, on purpose: an export is a batch job with nothing
    // else to run meanwhile, and a stream's event-loop round trips and per-block copies cost
    // ~0.5 s per million lines. A partial last line is moved to the front and completed.
    const fd = openSync(path, "r");
    try {
      let buf = Buffer.allocUnsafe(1 << 20);
      let filled = 0; // bytes at buf[0] carried over: the start of an unfinished line
      let base = 0; // file offset of buf[0]
      let blocks = 0;
      for (;;) {
        if (filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than the buffer
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        const n = readSync(fd, buf, filled, buf.length - filled, base + filled);
        // At the end, carried bytes are a line without its newline: an unfinished write, never yielded.
        if (n === 0) break;
        const end = filled + n;
        const batch: Point[] = [];
        let start = 0;
        let nl = buf.indexOf(10, start);
        while (nl !== -1 && nl < end) {
          if (nl > start) {
            const line = buf.toString("utf8", start, nl);
            let point: Point | undefined = parseJournalHead(line, path, base + start, nl - start);
            if (point && point.measurement !== "pr_observation") {
              // Actions and outcomes are few: their fields are checked now. Observations' fields
              // are checked when used (see UnreadableLines).
              try {
                void point.fields;
              } catch {
                point = undefined;
              }
            }
            if (!point) {
              try {
                point = parsePointLine(line);
              } catch (err) {
                onSkip?.({ file: name, offset: base + start, reason: (err as Error).message });
              }
            }
            if (point && inRangeMs(point, timeMsOf(point), range)) batch.push(point);
          }
          start = nl + 1;
          nl = buf.indexOf(10, start);
        }
        buf.copy(buf, 0, start, end);
        filled = end - start;
        base += start;
        if (batch.length) yield batch;
        // Let the event loop turn now and then: with only synchronous reads it never would, and
        // timers, signal handlers and V8's GC finishing tasks run there.
        if (++blocks % 16 === 0) await setImmediate();
      }
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Reads journal lines back by reference. Journal files are append-only, so a line stays where
 * it was read; an export keeps the reference of each observation instead of its ~800 bytes and
 * reads back only the few it uses (the newest before each action).
 */
export class JournalLineFetcher {
  #fds = new Map<string, number>();
  // One buffer for every read (the line is decoded before the next): a Buffer per line kept tens of MB of pool slabs alive.
  #buf = Buffer.allocUnsafe(64 * 1024);

  /** Whether `payload` is a reference made by JournalLinePoint.ref. */
  static isRef(payload: string): boolean {
    return payload.startsWith("@");
  }

  line(ref: string): string {
    const a = ref.indexOf(",");
    const b = ref.indexOf(",", a + 1);
    const offset = Number(ref.slice(1, a));
    const length = Number(ref.slice(a + 1, b));
    const file = JSON.parse(ref.slice(b + 1)) as string;
    let fd = this.#fds.get(file);
    try {
      if (fd === undefined) this.#fds.set(file, (fd = openSync(file, "r")));
      if (this.#buf.length < length) this.#buf = Buffer.allocUnsafe(Math.max(length, this.#buf.length * 2));
      const buf = this.#buf;
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      if (done < length) throw new Error("the file is shorter than when it was read");
      return buf.toString("utf8", 0, length);
    } catch (err) {
      throw new StoreError(
        `cannot read back journal line at ${file}:${offset} (${(err as Error).message}); was the journal pruned during the export? Run it again.`,
      );
    }
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }
}

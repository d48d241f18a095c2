import { parsePointLine } from "./journal-line.js";
import type { FieldValue, Point } from "./point.js";
import { JournalLineFetcher, parseJournalHead } from "./read-journal-batches.js";

const FIELDS = Buffer.from('},"fields":{', "utf8");

/**
 * A journal observation read by its head (measurement, time, tags) and one string field found in
 * the bytes, without decoding the rest of its ~800-byte line: its fields are read back from the
 * file when first asked for (journal files are append-only, so the line stays where it was).
 * What the start-up pass reads of every observation of days of journal.
 */
export class ObservationHead implements Point {
  #fields: Record<string, FieldValue> | undefined;
  constructor(
    readonly measurement: string,
    readonly timeMs: number,
    readonly tags: Record<string, string>,
    /** The probed field's name and value (undefined: absent or not a string; null: not found in the bytes, ask the fields). */
    readonly probe: { name: string; value: string | undefined | null } | undefined,
    readonly path: string,
    readonly offset: number,
    readonly length: number,
    readonly fetcher: JournalLineFetcher,
  ) {}

  /** The line's reference for JournalLineFetcher (made when needed: most heads never need it). */
  get ref(): string {
    return `@${this.offset},${this.length},${JSON.stringify(this.path)}`;
  }

  get time(): Date {
    return new Date(this.timeMs);
  }

  get fields(): Record<string, FieldValue> {
    this.#fields ??= parsePointLine(this.fetcher.line(this.ref)).fields;
    return this.#fields;
  }

  /** A string field: the probed one from the bytes, any other from the fields. */
  stringField(name: string): string | undefined {
    if (this.probe?.name === name && this.probe.value !== null) return this.probe.value;
    const value = this.fields[name];
    return typeof value === "string" ? value : undefined;
  }
}

/**
 * The ObservationHead of the line at buf[start..end) (file offset `offset` in `path`), with the
 * string field `probe` found in the bytes; undefined when the line is not in serializePoint's
 * shape (the caller then parses it whole). Only the head (up to the fields) is decoded.
 */
export function readObservationHead(
  buf: Buffer,
  start: number,
  end: number,
  path: string,
  offset: number,
  probe: string | undefined,
  fetcher: JournalLineFetcher,
): ObservationHead | undefined {
  if (buf[end - 1] !== 125 || buf[end - 2] !== 125) return undefined; // not ending "}}"
  const fieldsAt = buf.indexOf(FIELDS, start);
  if (fieldsAt === -1 || fieldsAt >= end) return undefined;
  // The head with empty fields is a line in serializePoint's shape: parsed as one.
  const head = parseJournalHead(buf.toString("utf8", start, fieldsAt + FIELDS.length) + "}}");
  if (!head) return undefined;
  const probed = probe === undefined ? undefined : { name: probe, value: probeString(buf, fieldsAt + FIELDS.length - 1, end, probe) };
  return new ObservationHead(head.measurement, head.timeMs, head.tags, probed, path, offset, end - start, fetcher);
}

/**
 * The value of string field `name` in the fields object at buf[from..end), from the bytes: inside
 * a JSON string a quote is escaped, so `"name":"` right after `{` or `,` is that field's key.
 * undefined: absent or not a string; null: a value with an escape (let the parser read it).
 */
function probeString(buf: Buffer, from: number, end: number, name: string): string | undefined | null {
  const key = probeKey(name);
  for (let at = buf.indexOf(key, from); at !== -1 && at < end; at = buf.indexOf(key, at + 1)) {
    const before = buf[at - 1];
    if (before !== 44 && before !== 123) continue;
    const valueStart = at + key.length;
    const close = buf.indexOf(34, valueStart);
    if (close === -1 || close >= end) return null;
    // A loop, not indexOf: indexOf would search the rest of the block when the value has none.
    for (let i = valueStart; i < close; i++) if (buf[i] === 92) return null;
    return buf.toString("utf8", valueStart, close);
  }
  return undefined;
}

let lastProbe = { name: "", key: Buffer.alloc(0) };
/** The bytes of `"name":"`, made once for the field a pass probes. */
function probeKey(name: string): Buffer {
  if (lastProbe.name !== name) lastProbe = { name, key: Buffer.from(`"${name}":"`, "utf8") };
  return lastProbe.key;
}

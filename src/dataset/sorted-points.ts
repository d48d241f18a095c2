import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { setImmediate } from "node:timers/promises";
import { join } from "node:path";
import type { Point } from "../store/point.js";
import { pointText } from "../store/point-text.js";
import { timeMsOf } from "../store/read-journal-batches.js";
import { UnreadableLines } from "./unreadable-lines.js";

/*
 * Why an external sort (and not "index actions, then scan observations"):
 * - every kind needs the same thing: points in (repo, pr, time) order with duplicates collapsed by
 *   identity. `--kind observations` must sort and dedup the observations themselves, which are the
 *   bulk and do not fit in memory, so an in-memory index cannot serve it;
 * - dedup by identity needs the copies side by side; a set of every identity seen would grow with
 *   the input, sorted runs put them next to each other for free;
 * - a two-pass index needs a source that can be read twice: reading a journal (splitting and
 *   decoding its lines, parsing each line's head; fields are parsed only when used, see
 *   JournalLinePoint) is most of the export's time, so reading it twice would miss the 200,000
 *   points/s target, and an InfluxDB query may not repeat exactly;
 * - memory is then bounded by the run size (flat as the input grows), plus one short string per PR
 *   (the merge numbers the PRs), not by the number of points or actions. The price is temporary
 *   disk about the size of the projected input (~60 bytes per journal point).
 * Each point is projected to a short string first (only what the consumer needs; for a journal
 * observation a reference to its line), so the runs are far smaller than the input and the merge
 * rarely parses anything.
 */

/** One point after sorting: its PR, time, kind and the projected payload. */
export interface SortedRecord {
  repo: string;
  pr: number;
  /** `repo` + `pr`, equal for every record of one PR (compare with ===). */
  group: string;
  timeMs: number;
  measurement: string;
  /** What the projection made of the point (JSON text in this module's callers). */
  payload: string;
}

/** Turns a point into the payload the consumer needs, or undefined to leave the point out. */
export type Projection = (point: Point) => string | undefined;

export interface SortOptions {
  project: Projection;
  /** Estimated bytes of entries kept in memory before a sorted run goes to disk. */
  runBytes?: number | undefined;
  /** Parent folder of the temporary runs (default: the OS temp folder). */
  tmpDir?: string | undefined;
  /** Called every `progressEvery` points read, and once at the end. */
  onProgress?: ((counts: SortCounts) => void) | undefined;
  progressEvery?: number | undefined;
  /** Reads the payloads of two writes of one identity to merge them, counting unreadable ones. */
  unreadable?: UnreadableLines | undefined;
}

export interface SortCounts {
  /** Points read from the source. */
  read: number;
  /** Points the projection kept. */
  kept: number;
  /** Points without a `repo` tag or a whole-number `pr` tag: they belong to no PR. */
  withoutPr: number;
  /** Kept points that were an older write of the same identity (measurement + tags + time). */
  duplicates: number;
}

// Measured on a 1M-point journal (with tsx): 8 MB runs peaked at ~260 MB RSS, 24 MB runs at ~320 MB
// (the garbage of a spilled run waits for a major GC); 4 MB leaves headroom for the merge, with
// no measurable difference in speed (the merge takes ~40 runs per million points).
const DEFAULT_RUN_BYTES = 8 * 1024 * 1024;
// Joins repo and the padded pr in a group; sorts before any escaped character, so "a/b" < "a/b-c".
const SEP = "\u0001";
// An observation sorts before an action before an outcome of the same millisecond (an
// observation at the action's very time is "at or before" it; an outcome then is "after").
const RANKS: Record<string, number> = { pr_observation: 0, action_taken: 1, outcome: 2 };
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const PR_TAG = /^\d{1,12}$/;

/** JSON-escapes a string so that it holds no control character (no SEP, tab or newline). */
function esc(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

function unesc(s: string): string {
  return s.includes("\\") ? (JSON.parse(`"${s}"`) as string) : s;
}

/**
 * One point in a run. Order: group (repo, then pr as a 12-digit number), time, rank, then the
 * identity's measurement and other tags (so copies of one identity are adjacent), then read
 * order (the sort is stable and runs are merged in read order), so the later write of an
 * identity comes last and wins. Compared field by field: one string key per point cost more to
 * build and compare than everything else here.
 */
interface Entry {
  group: string;
  /** The group's place among all groups, set for the merge (numbers compare faster than strings). */
  groupId?: number;
  timeMs: number;
  rank: number;
  /** measurement SEP other tags, sorted: with group and time, the point's identity. */
  ident: string;
  payload: string;
}

const sameIdentity = (a: Entry, b: Entry) =>
  a.timeMs === b.timeMs && (a.groupId !== undefined && b.groupId !== undefined ? a.groupId === b.groupId : a.group === b.group) && a.ident === b.ident;

function identOf(point: Point): string {
  let ident = esc(point.measurement) + SEP;
  const keys = Object.keys(point.tags);
  if (keys.length > 1) keys.sort();
  for (const k of keys) {
    if (k !== "repo" && k !== "pr") ident += `${esc(k)}=${esc(point.tags[k]!)},`;
  }
  return ident;
}

/** Turns entries back into records, decoding each group once. */
class RecordMaker {
  #group = "";
  #repo = "";
  #pr = 0;
  // A slice of a string keeps the whole string alive: a repo sliced from a run's 64 KB block and
  // kept by a consumer (stats keeps one per PR) kept every block. One string per repo instead.
  #repos = new Map<string, string>();
  make(e: Entry): SortedRecord {
    if (e.group !== this.#group) {
      const cut = e.group.indexOf(SEP);
      this.#group = e.group;
      const repo = unesc(e.group.slice(0, cut));
      let interned = this.#repos.get(repo);
      if (interned === undefined) this.#repos.set(repo, (interned = repo));
      this.#repo = interned;
      this.#pr = Number(e.group.slice(cut + 1));
    }
    const measurement = e.ident.slice(0, e.ident.indexOf(SEP));
    return {
      repo: this.#repo,
      pr: this.#pr,
      group: this.#group,
      timeMs: e.timeMs,
      measurement: unesc(measurement),
      payload: e.payload,
    };
  }
}

/** The entries of one PR in the current run (mostly already in time order: journals are). */
interface Bucket {
  group: string;
  entries: Entry[];
  /** Per measurement, the last tags seen and their ident: a PR's points nearly always repeat them. */
  idents: Map<string, { tags: Record<string, string>; ident: string }>;
}

/** Whether two tag sets agree on every tag but repo and pr (without allocating). */
function sameOtherTags(a: Record<string, string>, b: Record<string, string>): boolean {
  let n = 0;
  for (const k in a) {
    if (k === "repo" || k === "pr") continue;
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const k in b) if (k !== "repo" && k !== "pr") n--;
  return n === 0;
}

/** Within one group: time, rank, identity; ties keep read order (the sort is stable). */
function compareInGroup(a: Entry, b: Entry): number {
  return a.timeMs - b.timeMs || a.rank - b.rank || (a.ident < b.ident ? -1 : a.ident > b.ident ? 1 : 0);
}

/**
 * A run in order: buckets by group, each sorted on its own. Sorting per PR instead of the whole
 * run cut the comparisons several-fold: a PR's points arrive nearly in time order, which the
 * stable sort (TimSort) handles in about one pass.
 */
function sortRun(buckets: Map<string, Bucket>, counts: SortCounts, lines: UnreadableLines): Entry[] {
  const out: Entry[] = [];
  const groups = [...buckets.keys()].sort();
  for (const group of groups) {
    for (const e of dedup(buckets.get(group)!.entries.sort(compareInGroup), counts, lines)) out.push(e);
  }
  return out;
}

/**
 * Reads `source` once and yields its points in (repo, pr, time) order, duplicates collapsed (the
 * later write of an identity wins, as in InfluxDB), in batches. Memory stays bounded by
 * `runBytes`: sorted runs beyond it go to temporary files, merged at the end and deleted.
 */
export async function* sortedPoints(
  source: AsyncIterable<Point[]>,
  options: SortOptions,
  counts: SortCounts = { read: 0, kept: 0, withoutPr: 0, duplicates: 0 },
): AsyncGenerator<SortedRecord[]> {
  const runBytes = options.runBytes ?? DEFAULT_RUN_BYTES;
  const every = options.progressEvery ?? 100_000;
  let nextProgress = every;
  let bytes = 0;
  let dir: string | undefined;
  const runs: string[] = [];
  // One bucket (and group string) per PR and one string per identity shape, cleared with each
  // run, so most comparisons are of identical strings and a run holds each only once.
  let buckets = new Map<string, Bucket>();
  let groups = new Map<string, Map<string, Bucket>>();
  let idents = new Map<string, string>();
  // Every PR seen (small next to the points): the merge orders groups by number, not by string.
  const allGroups = new Set<string>();
  const lines = options.unreadable ?? new UnreadableLines();
  const add = (point: Point): void => {
    counts.read++;
    const repo = point.tags.repo;
    const pr = point.tags.pr;
    if (repo === undefined || pr === undefined) {
      counts.withoutPr++;
      return;
    }
    let prs = groups.get(repo);
    if (!prs) groups.set(repo, (prs = new Map()));
    let bucket = prs.get(pr);
    if (bucket === undefined) {
      if (!PR_TAG.test(pr)) {
        counts.withoutPr++;
        return;
      }
      const group = `${esc(repo)}${SEP}${pr.padStart(12, "0")}`;
      allGroups.add(group);
      bucket = buckets.get(group);
      if (!bucket) buckets.set(group, (bucket = { group, entries: [], idents: new Map() }));
      prs.set(pr, bucket);
    }
    const payload = options.project(point);
    if (payload === undefined) return;
    counts.kept++;
    let ident: string;
    const last = bucket.idents.get(point.measurement);
    if (last && sameOtherTags(point.tags, last.tags)) ident = last.ident;
    else {
      ident = identOf(point);
      const known = idents.get(ident);
      if (known === undefined) idents.set(ident, ident);
      else ident = known;
      bucket.idents.set(point.measurement, { tags: point.tags, ident });
    }
    bucket.entries.push({ group: bucket.group, timeMs: timeMsOf(point), rank: RANKS[point.measurement] ?? 3, ident, payload });
    // An entry object, its payload string and the array slot; group and ident are shared.
    bytes += payload.length + 100;
  };
  try {
    for await (const batch of source) {
      for (const point of batch) add(point);
      if (options.onProgress && counts.read >= nextProgress) {
        options.onProgress(counts);
        nextProgress = counts.read + every;
      }
      if (bytes >= runBytes) {
        dir ??= await mkdtemp(join(options.tmpDir ?? tmpdir(), "pr-telemetry-export-"));
        const path = join(dir, `run-${runs.length}.txt`);
        writeRun(path, sortRun(buckets, counts, lines));
        runs.push(path);
        bytes = 0;
        buckets = new Map();
        groups = new Map();
        idents = new Map();
      }
    }
    options.onProgress?.(counts);
    const last = sortRun(buckets, counts, lines);
    buckets = new Map();
    groups = new Map();
    idents = new Map();
    if (runs.length === 0) {
      // Everything fitted in one run: no temporary files.
      const maker = new RecordMaker();
      for (let i = 0; i < last.length; i += 4096) yield last.slice(i, i + 4096).map((e) => maker.make(e));
      return;
    }
    const ids = new Map([...allGroups].sort().map((g, i) => [g, i]));
    allGroups.clear();
    yield* mergeRuns(runs, last, ids, counts, lines);
  } finally {
    if (!options.unreadable) lines.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Two writes of one identity as InfluxDB stores them: merged field by field, the later write's
 * value winning, so a later write that carries fewer fields keeps the others (InfluxDB does not
 * replace a point, it overwrites the fields written). An unreadable write is passed over
 * (counted). Duplicates are rare (about 1% of points), so parsing both costs little.
 */
function mergeEntries(older: Entry, newer: Entry, lines: UnreadableLines): Entry {
  if (older.payload === newer.payload) return newer;
  const a = lines.point(older.payload);
  const b = lines.point(newer.payload);
  if (!a) return newer;
  if (!b) return older;
  return { ...newer, payload: pointText({ ...b, fields: { ...a.fields, ...b.fields } }) };
}

/** Collapses each run of equal identities in a sorted array into one (see mergeEntries). */
function dedup(sorted: Entry[], counts: SortCounts, lines: UnreadableLines): Entry[] {
  const out: Entry[] = [];
  for (const entry of sorted) {
    const prev = out[out.length - 1];
    if (prev && sameIdentity(prev, entry)) {
      out[out.length - 1] = mergeEntries(prev, entry, lines);
      counts.duplicates++;
    } else {
      out.push(entry);
    }
  }
  return out;
}

/*
 * A run file: "G<group>" starts a PR, "I<n>\t<ident>" defines an identity shape once, and each
 * point is "<timeMs>\t<rank>\t<n>\t<payload>". Groups and idents hold no tab or newline (esc), nor
 * do payloads (JSON text or a line reference).
 */
function writeRun(path: string, entries: Entry[]): void {
  // Synchronous, like the journal reads (see readJournalBatches in src/store/): nothing else waits meanwhile.
  const fd = openSync(path, "w");
  try {
    const idents = new Map<string, number>();
    let group = "";
    let parts: string[] = [];
    let size = 0;
    const flush = () => {
      const buf = Buffer.from(parts.join(""), "utf8");
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
      parts = [];
      size = 0;
    };
    for (const e of entries) {
      if (e.group !== group) {
        group = e.group;
        parts.push(`G${group}\n`);
      }
      let n = idents.get(e.ident);
      if (n === undefined) {
        idents.set(e.ident, (n = idents.size));
        parts.push(`I${n}\t${e.ident}\n`);
      }
      parts.push(`${e.timeMs}\t${e.rank}\t${n}\t${e.payload}\n`);
      size += e.payload.length + 24;
      if (size >= 1 << 20) flush();
    }
    if (parts.length) flush();
  } finally {
    closeSync(fd);
  }
}

/** A sorted run read back in blocks (synchronously: see writeRun). */
class RunReader {
  #lines: string[] = [];
  #index = 0;
  #fd: number;
  #buf = Buffer.allocUnsafe(64 * 1024);
  #filled = 0; // bytes at #buf[0]: the start of an unfinished line
  #position = 0; // file offset of the next read
  #done = false;
  #group = "";
  #groupId = 0;
  #idents: string[] = [];

  constructor(
    path: string,
    /** The run's place in read order: breaks ties between equal identities (later wins). */
    readonly order: number,
    readonly ids: Map<string, number>,
  ) {
    this.#fd = openSync(path, "r");
  }

  /** The next entry of the run, or undefined at its end. */
  next(): Entry | undefined {
    for (;;) {
      if (this.#index >= this.#lines.length) {
        this.#fill();
        if (this.#lines.length === 0) return undefined;
      }
      const line = this.#lines[this.#index++]!;
      const kind = line.charCodeAt(0);
      if (kind === 71 /* G */) {
        this.#group = line.slice(1);
        this.#groupId = this.ids.get(this.#group)!;
      } else if (kind === 73 /* I */) {
        const tab = line.indexOf("\t");
        this.#idents[Number(line.slice(1, tab))] = line.slice(tab + 1);
      } else {
        const a = line.indexOf("\t");
        const b = line.indexOf("\t", a + 1);
        const c = line.indexOf("\t", b + 1);
        return {
          group: this.#group,
          groupId: this.#groupId,
          timeMs: Number(line.slice(0, a)),
          rank: Number(line.slice(a + 1, b)),
          ident: this.#idents[Number(line.slice(b + 1, c))]!,
          payload: line.slice(c + 1),
        };
      }
    }
  }

  #fill(): void {
    this.#lines = [];
    this.#index = 0;
    while (this.#lines.length === 0 && !this.#done) {
      if (this.#filled === this.#buf.length) {
        const bigger = Buffer.allocUnsafe(this.#buf.length * 2);
        this.#buf.copy(bigger, 0, 0, this.#filled);
        this.#buf = bigger;
      }
      const n = readSync(this.#fd, this.#buf, this.#filled, this.#buf.length - this.#filled, this.#position);
      this.#position += n;
      const end = this.#filled + n;
      if (n === 0) {
        this.#done = true;
        break; // writeRun ends every line with a newline
      }
      const last = this.#buf.lastIndexOf(10, end - 1);
      if (last === -1) {
        this.#filled = end;
        continue;
      }
      // Decoded whole lines only: a block may end inside a UTF-8 character.
      this.#lines = this.#buf.toString("utf8", 0, last).split("\n");
      this.#buf.copy(this.#buf, 0, last + 1, end);
      this.#filled = end - last - 1;
    }
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** k-way merge of the runs on disk and the last in-memory run, collapsing duplicates across runs. */
async function* mergeRuns(
  paths: string[],
  memory: Entry[],
  ids: Map<string, number>,
  counts: SortCounts,
  lines: UnreadableLines,
): AsyncGenerator<SortedRecord[]> {
  const readers = paths.map((p, i) => new RunReader(p, i, ids));
  for (const e of memory) e.groupId = ids.get(e.group)!;
  try {
    // A binary heap over the run heads; the in-memory run is the last in read order.
    type Head = { entry: Entry; order: number; reader: RunReader | undefined };
    const before = (x: Head, y: Head) => {
      const a = x.entry;
      const b = y.entry;
      const c = a.groupId! - b.groupId! || compareInGroup(a, b);
      return c < 0 || (c === 0 && x.order < y.order);
    };
    const heap: Head[] = [];
    const push = (h: Head) => {
      let i = heap.length;
      heap.push(h);
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!before(h, heap[p]!)) break;
        heap[i] = heap[p]!;
        i = p;
      }
      heap[i] = h;
    };
    const pop = (): Head | undefined => {
      const top = heap[0];
      const last = heap.pop();
      if (heap.length && last) {
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= heap.length) break;
          const r = l + 1;
          const c = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
          if (!before(heap[c]!, last)) break;
          heap[i] = heap[c]!;
          i = c;
        }
        heap[i] = last;
      }
      return top;
    };
    for (const reader of readers) {
      const entry = reader.next();
      if (entry) push({ entry, order: reader.order, reader });
    }
    let memIndex = 0;
    if (memory.length) push({ entry: memory[memIndex++]!, order: paths.length, reader: undefined });

    const maker = new RecordMaker();
    let batch: SortedRecord[] = [];
    let batches = 0;
    let pending: Entry | undefined;
    for (;;) {
      const top = pop();
      if (!top) break;
      const entry = top.entry;
      const next = top.reader ? top.reader.next() : memory[memIndex++];
      if (next) {
        top.entry = next; // the popped head goes back with the run's next entry
        push(top);
      }
      if (pending && sameIdentity(pending, entry)) {
        // Equal identities come out in read order: `entry` is the later write.
        counts.duplicates++;
        pending = mergeEntries(pending, entry, lines);
        continue;
      } else if (pending) {
        batch.push(maker.make(pending));
        if (batch.length >= 4096) {
          yield batch;
          batch = [];
          // The merge reads synchronously: let the event loop (and GC tasks) turn now and then.
          if (++batches % 16 === 0) await setImmediate();
        }
      }
      pending = entry;
    }
    if (pending) batch.push(maker.make(pending));
    if (batch.length) yield batch;
  } finally {
    for (const r of readers) r.close();
  }
}

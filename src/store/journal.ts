import { closeSync, createReadStream, fdatasync, fdatasyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { access, constants, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { StoreError } from "../errors.js";
import { parsePointLine, serializePoint } from "./journal-line.js";
import type { Point } from "./point.js";
import { inRange, type PointStore, type ReadRange } from "./store.js";

export interface JournalOptions {
  /** The folder of the .jsonl files (DATA_DIR/journal). */
  dir: string;
  /** fsync at most this often while there are unsynced writes; 0 syncs after every write. */
  flushIntervalMs?: number;
  /** Optional file-name suffix after the date: YYYY-MM-DD.<suffix>.jsonl. */
  suffix?: string;
  /** The clock that picks the day file (tests move it across midnight). */
  clock?: () => Date;
}

const FILE_NAME = /^(\d{4}-\d{2}-\d{2})(?:\.[A-Za-z0-9_-]+)?\.jsonl$/;

/** The UTC day file a write at `at` goes to. */
export function journalFileName(at: Date, suffix?: string): string {
  const day = at.toISOString().slice(0, 10);
  return suffix ? `${day}.${suffix}.jsonl` : `${day}.jsonl`;
}

/** Journal file names in `dir`, in name order, which is time order. Missing folder: none. */
export async function listJournalFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names.filter((n) => FILE_NAME.test(n)).sort();
}

/** A line the reader passed over: torn by a power loss (no newline at the end) or not a point. */
export interface SkippedLine {
  file: string;
  offset: number;
  reason: string;
}

/**
 * Streams every complete line of a journal file from a byte offset, with the offset just past
 * each line (what a forwarder checkpoints). A last line with no newline is an unfinished write
 * and is not yielded: its bytes are read again next time, once complete.
 */
export async function* readJournalLines(
  path: string,
  startOffset = 0,
): AsyncGenerator<{ line: string; offset: number; end: number }> {
  const stream = createReadStream(path, { start: startOffset, highWaterMark: 1 << 20 });
  let carry: Buffer | undefined;
  let base = startOffset; // file offset of carry[0] or of the next chunk
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let nl = buf.indexOf(10, start);
    while (nl !== -1) {
      if (nl > start) {
        yield { line: buf.toString("utf8", start, nl), offset: base + start, end: base + nl + 1 };
      }
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    carry = start < buf.length ? buf.subarray(start) : undefined;
    base += start;
  }
}

/** Reads points from every journal file in `dir`, in file order, filtered by `range`. */
export async function* readJournal(
  dir: string,
  range?: ReadRange,
  onSkip?: (skipped: SkippedLine) => void,
): AsyncGenerator<Point> {
  for (const name of await listJournalFiles(dir)) {
    for await (const { line, offset } of readJournalLines(join(dir, name))) {
      let point: Point;
      try {
        point = parsePointLine(line);
      } catch (err) {
        onSkip?.({ file: name, offset, reason: (err as Error).message });
        continue;
      }
      if (inRange(point, range)) yield point;
    }
  }
}

/**
 * The embedded store and the app's durable log: append-only JSONL files, one per UTC day.
 *
 * Each write() appends its whole batch with a single write(2) on a file opened O_APPEND, so a
 * line is never torn or interleaved with another writer's (in this process or another, such as
 * the CLI), and a kill -9 leaves only whole lines: the kernel finishes a write(2) it has started.
 * Only a power loss can leave a partial last line, and readers skip a line without its newline.
 * Data is fsynced every flushIntervalMs while there is something to sync, and on close().
 *
 * The append itself is synchronous (writeSync): an append to the page cache takes microseconds,
 * while the asynchronous path (a hop through libuv's thread pool and a promise queue per write)
 * cost the webhook path measurably more (see BENCHMARKS.md, webhook acks). It also keeps the
 * order of writes without a queue. The fsync, which can take milliseconds, stays asynchronous.
 */
export class Journal implements PointStore {
  readonly name = "journal";
  readonly dir: string;
  #flushIntervalMs: number;
  #suffix: string | undefined;
  #clock: () => Date;
  #file: { name: string; fd: number } | undefined;
  /** File descriptors rotated out while a sync was running: closed when it ends. */
  #retired: number[] = [];
  #syncing: Promise<void> | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #pointsWritten = 0;
  #lastError: string | undefined;

  constructor(options: JournalOptions) {
    this.dir = options.dir;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#suffix = options.suffix;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** Points appended since this journal was opened. */
  get pointsWritten(): number {
    return this.#pointsWritten;
  }

  /** The last write or sync failure, cleared by the next success. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /**
   * Appends the points as one batch. They are in the file when this returns (the promise only
   * carries a failure); synced within the flush interval, or before it resolves with interval 0.
   */
  write(points: Point[]): Promise<void> {
    if (points.length === 0) return Promise.resolve();
    if (this.#closed) return Promise.reject(new StoreError("the journal is closed"));
    try {
      // Serialised first, so a bad point is refused without touching the file.
      const buf = Buffer.from(points.map((p) => serializePoint(p) + "\n").join(""), "utf8");
      this.#append(buf);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.#pointsWritten += points.length;
    this.#dirty = true;
    if (this.#flushIntervalMs === 0) return this.flush();
    this.#scheduleSync();
    return Promise.resolve();
  }

  read(range?: ReadRange): AsyncIterable<Point> {
    return readJournal(this.dir, range);
  }

  /** fsyncs what has been written. */
  async flush(): Promise<void> {
    while (this.#syncing) await this.#syncing;
    if (!this.#dirty || !this.#file) return;
    this.#dirty = false;
    const fd = this.#file.fd;
    this.#syncing = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
      this.#syncing = undefined;
      for (const old of this.#retired.splice(0)) closeQuietly(old);
    });
    try {
      await this.#syncing;
    } catch (err) {
      this.#dirty = true;
      this.#lastError = `cannot sync the journal: ${(err as Error).message}`;
      throw new StoreError(this.#lastError);
    }
  }

  /** Checks that the journal folder can be written; returns the problem, or undefined. */
  async problem(): Promise<string | undefined> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK);
    } catch (err) {
      return `journal folder ${this.dir} is not writable: ${(err as Error).message}`;
    }
    return this.#lastError;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.flush();
    if (this.#file) closeQuietly(this.#file.fd);
    this.#file = undefined;
  }

  #append(buf: Buffer): void {
    try {
      const fd = this.#fdFor(this.#clock());
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
      this.#lastError = undefined;
    } catch (err) {
      this.#lastError = `cannot append to the journal in ${this.dir}: ${(err as Error).message}`;
      throw new StoreError(`${this.#lastError}. Check that DATA_DIR is writable and the disk has room.`);
    }
  }

  #fdFor(now: Date): number {
    const name = journalFileName(now, this.#suffix);
    if (this.#file?.name === name) return this.#file.fd;
    if (this.#file) {
      // The day is over: sync the old file now (rare) and close it, or after a running sync.
      const old = this.#file.fd;
      if (this.#dirty) fdatasyncSync(old);
      if (this.#syncing) this.#retired.push(old);
      else closeQuietly(old);
      this.#file = undefined;
    }
    mkdirSync(this.dir, { recursive: true });
    const fd = openSync(join(this.dir, name), "a");
    this.#file = { name, fd };
    return fd;
  }

  #scheduleSync(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((err: Error) => {
        this.#lastError = `cannot sync the journal: ${err.message}`;
      });
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

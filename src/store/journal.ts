import { closeSync, createReadStream, fdatasync, fdatasyncSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { access, constants, mkdir, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
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
  /** Where partial lines are copied (default: DATA_DIR/torn, beside `dir`). */
  tornDir?: string;
  /** Told about each partial line set aside (the app logs it; the CLI prints it on stderr). */
  onTorn?: (torn: TornTail) => void;
  /** Told, once per read of the store, about unreadable lines not reported before. */
  onSkipped?: (lines: SkippedLine[]) => void;
}

/** A partial line found at the end of a journal file (a write cut short by a full disk or a power loss). */
export interface TornTail {
  /** The journal file's name, and the byte offset where the partial line starts. */
  file: string;
  offset: number;
  /** Its length in bytes. */
  length: number;
  /** The copy of its bytes under DATA_DIR/torn, or undefined when it could not be written (disk still full). */
  savedTo: string | undefined;
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
 * A full disk (a write cut short) or a power loss can leave a partial last line: the next append
 * closes it off first (see #append), and readers skip and count it.
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
  #tornDir: string;
  #onTorn: ((torn: TornTail) => void) | undefined;
  #onSkipped: ((lines: SkippedLine[]) => void) | undefined;
  #reported = new Set<string>();
  /** The size of the current file after this journal's last complete append (see #append). */
  #expectedEnd = -1;

  constructor(options: JournalOptions) {
    this.dir = options.dir;
    this.#tornDir = options.tornDir ?? join(dirname(options.dir), "torn");
    this.#onTorn = options.onTorn;
    this.#onSkipped = options.onSkipped;
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
    if (!this.#onSkipped) return readJournal(this.dir, range);
    return this.#readReporting(range);
  }

  /** readJournal, telling onSkipped once per read about the unreadable lines it had not reported yet. */
  async *#readReporting(range: ReadRange | undefined): AsyncGenerator<Point> {
    const fresh: SkippedLine[] = [];
    try {
      yield* readJournal(this.dir, range, (skipped) => {
        const key = `${skipped.file}:${skipped.offset}`;
        if (this.#reported.has(key)) return;
        // Bounded: past this many, a line may be reported again (only in the log).
        if (this.#reported.size >= 10_000) this.#reported.clear();
        this.#reported.add(key);
        fresh.push(skipped);
      });
    } finally {
      if (fresh.length) this.#onSkipped?.(fresh);
    }
  }

  /**
   * Ends every journal file with a newline: a partial last line (a power loss, or a process that
   * died after a write cut short) is copied to the torn folder and closed off, so no later append
   * by any process is joined to it. The app and the CLI call it when they open the store; appends
   * check the file they write to anyway (see #append).
   */
  async repairTails(): Promise<void> {
    let names: string[];
    try {
      names = await listJournalFiles(this.dir);
    } catch {
      return; // not a folder, not readable: the first write says so, with what to do
    }
    for (const name of names) {
      if (this.#closed) return;
      let fd: number;
      try {
        fd = openSync(join(this.dir, name), "a+");
      } catch {
        continue; // pruned meanwhile
      }
      try {
        const size = partialTailEnd(fd);
        if (size !== undefined) {
          writeSync(fd, NEWLINE, 0, 1);
          this.#setAside(fd, name, size);
        }
      } catch (err) {
        this.#lastError = `cannot close off a partial line in ${join(this.dir, name)}: ${(err as Error).message}`;
      } finally {
        closeQuietly(fd);
      }
    }
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

  /*
   * A torn tail: a write(2) cut short (ENOSPC half way: the kernel writes what fits and the next
   * write fails) or a power loss leaves a partial last line, and the next append would be glued
   * to it, losing that acknowledged point. The app and the CLI append to the same day file
   * (O_APPEND), so the partial line may be another process's, and bytes another process may be
   * writing right now must never be cut off: so nothing is truncated. Before each append the
   * file's last byte is checked (one fstat, and one 1-byte pread unless the file ends where this
   * journal's last append ended); if it is not a newline, the append starts with one. The
   * fragment becomes a line of its own that readers skip and count, and the forwarder dead-letters;
   * its bytes are also copied to DATA_DIR/torn. An append cannot corrupt a concurrent O_APPEND
   * writer: at worst (a large write still being copied when the byte was read) the newline lands
   * after that write, as an empty line readers ignore, and the line is then found whole and not
   * reported (see #setAside).
   */
  #append(buf: Buffer): void {
    try {
      const fd = this.#fdFor(this.#clock());
      const size = fstatSync(fd).size;
      const partialEnd = size === this.#expectedEnd ? undefined : partialTailEnd(fd, size);
      const data = partialEnd === undefined ? buf : Buffer.concat([NEWLINE, buf]);
      let done = 0;
      this.#expectedEnd = -1;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
      this.#expectedEnd = size + data.length;
      this.#lastError = undefined;
      if (partialEnd !== undefined) this.#setAside(fd, this.#file!.name, partialEnd);
    } catch (err) {
      this.#lastError = `cannot append to the journal in ${this.dir}: ${(err as Error).message}`;
      throw new StoreError(`${this.#lastError}. Check that DATA_DIR is writable and the disk has room.`);
    }
  }

  /**
   * After a newline was appended to close off a partial line ending at `end`: finds the line,
   * and unless it turned out whole (another process's write that was still being copied),
   * copies it to the torn folder and reports it. A copy that fails (the disk still full) is
   * reported without a copy: the bytes stay in the journal as an unreadable line.
   */
  #setAside(fd: number, file: string, end: number): void {
    let start: number;
    let line: Buffer;
    try {
      start = lineStartBefore(fd, end);
      line = lineFrom(fd, start);
    } catch {
      return; // the append is done; a failure to look back must not turn it into a failed write
    }
    try {
      parsePointLine(line.toString("utf8"));
      return; // complete after all
    } catch {
      // torn: set aside below
    }
    let savedTo: string | undefined = join(this.#tornDir, basename(this.dir), `${file}.${start}`);
    try {
      mkdirSync(dirname(savedTo), { recursive: true });
      writeFileSync(savedTo, line);
    } catch {
      try {
        rmSync(savedTo, { force: true }); // no partial copy left behind
      } catch {
        // nothing more to do: the line stays in the journal, skipped by readers
      }
      savedTo = undefined;
    }
    this.#onTorn?.({ file: join(basename(this.dir), file), offset: start, length: line.length, savedTo });
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
    // Read and append: the last byte is checked before appending (see #append).
    const fd = openSync(join(this.dir, name), "a+");
    this.#file = { name, fd };
    this.#expectedEnd = -1;
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

const NEWLINE = Buffer.from("\n");

/** The file's size when its last byte is not a newline (a partial last line); else undefined. */
function partialTailEnd(fd: number, size = fstatSync(fd).size): number | undefined {
  if (size === 0) return undefined;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 10 ? undefined : size;
}

/** The offset just after the last newline before `end` (0 if none): where the line ending at `end` starts. */
function lineStartBefore(fd: number, end: number): number {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let to = end;
  while (to > 0) {
    const from = Math.max(0, to - buf.length);
    const n = readSync(fd, buf, 0, to - from, from);
    const nl = buf.subarray(0, n).lastIndexOf(10);
    if (nl !== -1) return from + nl + 1;
    to = from;
  }
  return 0;
}

/** The bytes from `start` to the next newline (or the end of the file). */
function lineFrom(fd: number, start: number): Buffer {
  const parts: Buffer[] = [];
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let position = start; ; ) {
    const n = readSync(fd, buf, 0, buf.length, position);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    parts.push(Buffer.from(buf.subarray(0, nl === -1 ? n : nl)));
    if (nl !== -1) break;
    position += n;
  }
  return Buffer.concat(parts);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "probot";
import { writeDeadLetters, type DeadLetter } from "./dead-letter.js";
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from "./forwarder-checkpoint.js";
import { toLineProtocol } from "./influx-line.js";
import type { InfluxStore } from "./influx-store.js";
import { InfluxWriteError } from "./influx-write-error.js";
import { parsePointLine } from "./journal-line.js";
import { listJournalFiles, readJournalLines } from "./journal.js";
import { pruneJournal } from "./prune-journal.js";

export interface ForwarderOptions {
  /** DATA_DIR/journal. */
  journalDir: string;
  /** DATA_DIR: the checkpoint goes to DATA_DIR/forwarder/checkpoint.json, dead letters to DATA_DIR/dead-letter/. */
  dataDir: string;
  influx: InfluxStore;
  log: Logger;
  /** The most lines one request carries (default 10000, the batch size InfluxDB recommends at most). Batches are smaller when less is waiting. */
  maxBatchLines?: number;
  /** After a write is announced (notify), wait this long for more before sending (default 20 ms). */
  lingerMs?: number;
  /**
   * Requests in flight at once while a backlog drains (default 2): the next full batch is sent
   * while the previous one is still being written, so InfluxDB works on two at a time. The
   * checkpoint still only advances in order, past a batch InfluxDB accepted after every earlier one.
   */
  requestsInFlight?: 1 | 2;
  /** Look at the journal this often even without notify, for writes by other processes (default 1 s). */
  pollIntervalMs?: number;
  /** Backoff while InfluxDB fails: from minBackoffMs, doubling, up to maxBackoffMs (defaults 250 ms, 5 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Delete fully forwarded journal files older than this many days (0 keeps them; JOURNAL_RETENTION_DAYS). */
  retentionDays?: number;
  clock?: () => Date;
}

/** A journal line: where it is, its text, and its line protocol (or why it has none). */
interface Item {
  line?: string | undefined;
  offset: number;
  end: number;
  protocol?: string | undefined;
  problem?: string | undefined;
}

/**
 * The journal lines of one request, kept lean: a batch lives through its request (and the next
 * one is prefetched meanwhile), and objects alive that long survive young-generation garbage
 * collections and get copied and promoted. Measured on the benchmark (bench/scenarios/influx.ts):
 * with one Item and one line-protocol string per line, garbage collection was about a third of
 * the process's busy CPU; holding the same batch as a few large strings and two arrays of numbers
 * cut the process's CPU per point by about 40%. A line InfluxDB refuses is read back from the
 * journal (see #reload).
 */
interface Batch {
  /** Journal lines consumed (convertible or not). */
  count: number;
  /** The journal offset after the batch's last line (the next checkpoint). */
  end: number;
  /** Line protocol of the convertible lines in order, GROUP_LINES lines per string joined by "\n". */
  text: string[];
  /** Journal byte range of each convertible line, in order. */
  offsets: number[];
  ends: number[];
  /** Lines that cannot be converted, with their text and the reason (for the dead-letter file). */
  unreadable: Item[];
}

/** A batch on its way: its request (settled when InfluxDB answered and refused lines were isolated). */
interface Flight {
  name: string;
  from: number;
  batch: Batch;
  /** Lines set aside: unreadable ones, and those InfluxDB refused (added while `sent` runs). */
  letters: DeadLetter[];
  /** The request; undefined for a batch read ahead but not sent yet (requestsInFlight 1). */
  sent?: Promise<void> | undefined;
}

/**
 * Lines per string of a batch's text: few strings per batch, and for pr_observation lines (~380
 * bytes) each string is large enough (~390 KB) for V8's large-object space, which the young-
 * generation collector never copies; the lines joined into it die young. (Not tuned: other
 * sizes were not measured.)
 */
const GROUP_LINES = 1024;

/**
 * The durable outbox: ships journal lines to InfluxDB in batches and records, per journal file,
 * the offset InfluxDB has accepted (atomically, only after it answered 204). So an outage of any
 * length only grows the backlog; after a crash or restart it resumes from the checkpoint, and the
 * few lines sent but not yet checkpointed are sent again, which InfluxDB treats as the same points
 * (identity = measurement + tags + time). A batch InfluxDB rejects as malformed (HTTP 400/413) is
 * split in halves until the offending lines are found; those go to the dead-letter file with the
 * server's reason and the rest goes on. Writers never wait on it: they call notify().
 *
 * One forwarder per DATA_DIR at a time: two would send lines twice (harmless) and race on the
 * checkpoint (a lost update only re-sends lines).
 */
export class Forwarder {
  readonly checkpointPath: string;
  readonly deadLetterDir: string;
  #o: Required<Omit<ForwarderOptions, "influx" | "log" | "clock">>;
  #influx: InfluxStore;
  #log: Logger;
  #clock: () => Date;
  #checkpoint: Checkpoint | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  #loop: Promise<void> | undefined;
  #closing = false;
  #wake: (() => void) | undefined;
  #notified = false;
  #backoffMs = 0;
  #reachable: boolean | undefined;
  #problem: string | undefined;
  #shipped = 0;
  #deadLettered = 0;
  #lastPrune = 0;
  /** The batch sent while the previous one was in flight, not yet checkpointed (see #shipBatch). */
  #next: Promise<Flight | undefined> | undefined;

  constructor(options: ForwarderOptions) {
    this.#o = {
      journalDir: options.journalDir,
      dataDir: options.dataDir,
      maxBatchLines: options.maxBatchLines ?? 10_000,
      requestsInFlight: options.requestsInFlight ?? 2,
      lingerMs: options.lingerMs ?? 20,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      minBackoffMs: options.minBackoffMs ?? 250,
      maxBackoffMs: options.maxBackoffMs ?? 5000,
      retentionDays: options.retentionDays ?? 0,
    };
    this.#influx = options.influx;
    this.#log = options.log;
    this.#clock = options.clock ?? (() => new Date());
    this.checkpointPath = join(options.dataDir, "forwarder", "checkpoint.json");
    this.deadLetterDir = join(options.dataDir, "dead-letter");
  }

  /** Points InfluxDB accepted since this forwarder started. */
  get shipped(): number {
    return this.#shipped;
  }

  /** Lines set aside in the dead-letter folder since this forwarder started. */
  get deadLettered(): number {
    return this.#deadLettered;
  }

  /** Whether InfluxDB answered the last write (undefined before the first). */
  get reachable(): boolean | undefined {
    return this.#reachable;
  }

  /** Why the last write failed, with what to do; cleared by the next success. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Starts shipping in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Tells the forwarder new lines are in the journal: it ships them within lingerMs. Never blocks. */
  notify(): void {
    this.#notified = true;
    this.#wake?.();
  }

  /** Lines in the journal that InfluxDB has not taken yet (complete lines after each file's checkpoint). */
  async backlog(): Promise<number> {
    const checkpoint = await this.#loadCheckpoint();
    let count = 0;
    for (const name of await listJournalFiles(this.#o.journalDir)) {
      count += await countLines(join(this.#o.journalDir, name), checkpoint.files[name] ?? 0);
    }
    return count;
  }

  /**
   * Ships everything waiting, retrying (with backoff) until nothing is left or `timeoutMs` has
   * passed. Resolves with what is still waiting: 0 means InfluxDB has every point. Used on SIGTERM
   * (within SHUTDOWN_GRACE_MS) and by the CLI before it exits.
   */
  async drain(timeoutMs: number): Promise<{ backlog: number }> {
    const deadline = Date.now() + timeoutMs;
    let backoff = this.#o.minBackoffMs;
    while (Date.now() < deadline && !this.#closing) {
      try {
        const shipped = await withDeadline(this.#exclusive(() => this.#shipBatch()), deadline);
        if (shipped === undefined) break; // the deadline passed while a batch was in flight
        if (shipped === 0) break;
        backoff = this.#o.minBackoffMs;
      } catch (err) {
        this.#record(err);
        // Not InfluxDB's answer (e.g. the checkpoint cannot be written): retrying will not help.
        if (!(err instanceof InfluxWriteError)) break;
        await sleep(Math.min(Math.max(backoff, err.retryAfterMs ?? 0), deadline - Date.now()));
        backoff = Math.min(backoff * 2, this.#o.maxBackoffMs);
      }
    }
    return { backlog: await this.backlog() };
  }

  /** Ships one batch now (tests, CLI). Returns the journal lines it consumed (0: nothing waiting). */
  shipOnce(): Promise<number> {
    return this.#exclusive(() => this.#shipBatch());
  }

  /** Stops the background loop after the batch in flight. Does not drain: call drain() first. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    await this.#loop;
    await this.#lock;
    // A batch still in flight: wait for InfluxDB's answer and record it, so the next start does not send it again.
    if (this.#next) await this.#exclusive(() => this.#shipBatch(false)).catch((err: unknown) => this.#record(err));
  }

  async #run(): Promise<void> {
    while (!this.#closing) {
      let shipped = 0;
      try {
        await this.#maybePrune();
        shipped = await this.#exclusive(() => this.#shipBatch());
        this.#backoffMs = 0;
      } catch (err) {
        const wait = this.#failed(err);
        if (err instanceof InfluxWriteError && err.status === undefined) await this.#waitForAnswer(wait);
        else await this.#sleep(wait, false);
        continue;
      }
      if (shipped === 0) {
        await this.#sleep(this.#o.pollIntervalMs, true);
        if (this.#notified && this.#o.lingerMs > 0) await this.#sleep(this.#o.lingerMs, false);
      }
    }
  }

  /**
   * Backs off after InfluxDB did not answer at all, but pings it every minBackoffMs meanwhile: a
   * ping costs nothing next to re-sending a batch of 10,000 lines, and the backlog starts draining
   * as soon as InfluxDB is back instead of when the backoff ends.
   */
  async #waitForAnswer(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.#closing && Date.now() < until) {
      await this.#sleep(Math.min(this.#o.minBackoffMs, until - Date.now()), false);
      if (this.#closing || (await this.#influx.ping(1000))) return;
    }
  }

  /** Records a failure; returns how long to wait before the next try. */
  #failed(err: unknown): number {
    this.#record(err);
    const e = err instanceof InfluxWriteError ? err : undefined;
    this.#backoffMs = this.#backoffMs === 0 ? this.#o.minBackoffMs : Math.min(this.#backoffMs * 2, this.#o.maxBackoffMs);
    return Math.max(this.#backoffMs, Math.min(e?.retryAfterMs ?? 0, 60_000));
  }

  /** Keeps the failure for health() and logs it once per outage, not once per retry. */
  #record(err: unknown): void {
    const e = err instanceof InfluxWriteError ? err : undefined;
    const message = e?.message ?? `forwarding to InfluxDB failed: ${(err as Error).message}`;
    if (this.#problem === undefined) {
      const level = e?.failure === "unavailable" ? "warn" : "error";
      this.#log[level]({ influx: this.#influx.target }, `${message}. Retrying with backoff; points wait in the journal.`);
    }
    this.#problem = message;
    if (e) this.#reachable = e.status !== undefined;
  }

  /** Sleeps up to `ms`; notify() ends the sleep early when `wakeOnNotify`, close() always does. */
  #sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    if (this.#closing) return Promise.resolve();
    if (wakeOnNotify && this.#notified) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        if (wakeOnNotify || this.#closing) {
          this.#wake = undefined;
          done();
        }
      };
    });
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task, task);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  async #loadCheckpoint(): Promise<Checkpoint> {
    this.#checkpoint ??= await loadCheckpoint(this.checkpointPath, this.#influx.target);
    return this.#checkpoint;
  }

  /** Sends the next batch of one journal file; returns the lines consumed. */
  /**
   * Ships the next batch and records it in the checkpoint; returns the journal lines it consumed.
   * A full batch means more is waiting: then the batch after it is read, converted and sent while
   * this one is in flight (`pipeline`, requestsInFlight 2), and left in flight for the next call,
   * which takes it up and checkpoints it only after this one was. If this batch fails, the one
   * after it is waited for and forgotten, whatever InfluxDB answered: its lines are sent again
   * later, which InfluxDB treats as the same points. So the checkpoint never passes a batch that
   * InfluxDB has not accepted, nor one whose predecessors it has not all accepted.
   *
   * With `startNew` false (close()), it only records a batch already in flight and starts nothing.
   */
  async #shipBatch(startNew = true): Promise<number> {
    this.#notified = false;
    const checkpoint = await this.#loadCheckpoint();
    const flight = await this.#nextFlight(checkpoint, startNew);
    if (!flight?.sent) return 0;
    const { name, batch } = flight;
    if (startNew && batch.count >= this.#o.maxBatchLines) {
      // Read and convert the next batch while this one is in flight, so the CPU work overlaps
      // InfluxDB's (measured: the two are about even); with requestsInFlight 2, send it too.
      const next = this.#readBatch(name, batch.end).then((b) => b && this.#fly(name, batch.end, b, this.#o.requestsInFlight === 2));
      next.catch(() => undefined); // an unused one must not become an unhandled rejection
      this.#next = next;
    }
    try {
      await flight.sent;
    } catch (err) {
      await this.#forgetNext();
      throw err;
    }
    const letters = flight.letters;
    if (letters.length) {
      letters.sort((a, b) => a.offset - b.offset);
      const file = await writeDeadLetters(this.deadLetterDir, letters, this.#clock());
      this.#deadLettered += letters.length;
      this.#log.warn(
        { deadLetters: letters.length, file, reason: letters[0]!.reason },
        `InfluxDB refused ${letters.length} line(s); they are set aside in ${file} with the reason, the rest was forwarded`,
      );
    }
    checkpoint.files[name] = batch.end;
    await saveCheckpoint(this.checkpointPath, checkpoint);
    this.#shipped += batch.offsets.length - letters.filter((l) => l.status !== undefined).length;
    if (this.#problem !== undefined) {
      this.#log.info({ influx: this.#influx.target }, "InfluxDB accepts writes again; forwarding the backlog");
    }
    this.#problem = undefined;
    this.#reachable = true;
    return batch.count;
  }

  /**
   * The batch to record next: the one already read (and sent, if pipelined) after the last one
   * when it starts at the checkpoint, else the first journal file's lines after its checkpoint.
   */
  async #nextFlight(checkpoint: Checkpoint, startNew: boolean): Promise<Flight | undefined> {
    const pending = this.#next;
    this.#next = undefined;
    const early = await pending?.catch(() => undefined);
    if (early && checkpoint.files[early.name] === early.from && (early.sent || startNew)) {
      return early.sent ? early : this.#fly(early.name, early.from, early.batch, true);
    }
    await early?.sent?.catch(() => undefined);
    if (!startNew) return undefined;
    for (const name of await listJournalFiles(this.#o.journalDir)) {
      const from = checkpoint.files[name] ?? 0;
      const batch = await this.#readBatch(name, from);
      if (batch) return this.#fly(name, from, batch, true);
    }
    return undefined;
  }

  /** A batch as a Flight; sent now when `send`, else sent when taken up (#nextFlight). */
  #fly(name: string, from: number, batch: Batch, send: boolean): Flight {
    const letters = batch.unreadable.map((i) => this.#letter(name, i, undefined, `unreadable journal line: ${i.problem}`));
    if (!send) return { name, from, batch, letters };
    const sent = this.#sendBatch(name, batch, letters);
    sent.catch(() => undefined); // awaited by #shipBatch or #forgetNext; never an unhandled rejection
    return { name, from, batch, letters, sent };
  }

  /** Waits for the batch sent after one that failed to finish, and forgets it (its lines go again). */
  async #forgetNext(): Promise<void> {
    const pending = this.#next;
    this.#next = undefined;
    const flight = await pending?.catch(() => undefined);
    await flight?.sent?.catch(() => undefined);
  }

  /** Reads up to maxBatchLines complete lines of a journal file from `from`, converted to line protocol. */
  async #readBatch(name: string, from: number): Promise<Batch | undefined> {
    const path = join(this.#o.journalDir, name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return undefined; // pruned or moved meanwhile
    }
    if (size <= from) return undefined;
    const batch: Batch = { count: 0, end: from, text: [], offsets: [], ends: [], unreadable: [] };
    let group: string[] = [];
    for await (const { line, offset, end } of readJournalLines(path, from)) {
      batch.count++;
      batch.end = end;
      let protocol: string;
      try {
        protocol = toLineProtocol(parsePointLine(line));
      } catch (err) {
        batch.unreadable.push({ line, offset, end, problem: (err as Error).message });
        if (batch.count >= this.#o.maxBatchLines) break;
        continue;
      }
      group.push(protocol);
      batch.offsets.push(offset);
      batch.ends.push(end);
      if (group.length === GROUP_LINES) {
        batch.text.push(group.join("\n"));
        group = [];
      }
      if (batch.count >= this.#o.maxBatchLines) break;
    }
    if (group.length) batch.text.push(group.join("\n"));
    return batch.count ? batch : undefined; // none: only an unfinished last line
  }

  /** Writes a batch in one request; on a "rejected" answer finds the offending lines (#isolate). */
  async #sendBatch(file: string, batch: Batch, letters: DeadLetter[]): Promise<void> {
    if (batch.offsets.length === 0) return;
    try {
      await this.#influx.writeLines(batch.text);
    } catch (err) {
      if (!(err instanceof InfluxWriteError) || err.failure !== "rejected") throw err;
      await this.#isolate(file, await this.#reload(file, batch), err, letters);
    }
  }

  /** Writes items in one request; on a "rejected" answer finds the offending lines (#isolate). */
  async #send(file: string, items: Item[], letters: DeadLetter[]): Promise<void> {
    try {
      await this.#influx.writeLines(items.map((i) => i.protocol!));
    } catch (err) {
      if (!(err instanceof InfluxWriteError) || err.failure !== "rejected") throw err;
      await this.#isolate(file, items, err, letters);
    }
  }

  /** Items InfluxDB rejected together: split in halves until each offending line is alone, then set it aside. */
  async #isolate(file: string, items: Item[], err: InfluxWriteError, letters: DeadLetter[]): Promise<void> {
    if (items.length === 1) {
      letters.push(this.#letter(file, items[0]!, err.status, err.message));
      return;
    }
    const mid = items.length >> 1;
    await this.#send(file, items.slice(0, mid), letters);
    await this.#send(file, items.slice(mid), letters);
  }

  /** The convertible lines of a batch one by one, with their JSON text, read back from the journal. */
  async #reload(file: string, batch: Batch): Promise<Item[]> {
    const first = batch.offsets[0]!;
    const buf = await readRange(join(this.#o.journalDir, file), first, batch.ends[batch.ends.length - 1]!);
    return batch.offsets.map((offset, i) => {
      const line = buf.toString("utf8", offset - first, batch.ends[i]! - first - 1);
      return { line, offset, end: batch.ends[i]!, protocol: toLineProtocol(parsePointLine(line)) };
    });
  }

  #letter(file: string, item: Item, status: number | undefined, reason: string): DeadLetter {
    return { at: this.#clock().toISOString(), journal: file, offset: item.offset, status, reason, line: item.line ?? "" };
  }

  async #maybePrune(): Promise<void> {
    if (this.#o.retentionDays <= 0) return;
    const now = this.#clock();
    if (now.getTime() - this.#lastPrune < 3_600_000) return;
    this.#lastPrune = now.getTime();
    await this.#exclusive(async () => {
      const checkpoint = await this.#loadCheckpoint();
      const deleted = await pruneJournal(this.#o.journalDir, checkpoint, this.#o.retentionDays, now);
      if (deleted.length) {
        await saveCheckpoint(this.checkpointPath, checkpoint);
        this.#log.info({ files: deleted }, `pruned ${deleted.length} forwarded journal file(s) older than ${this.#o.retentionDays} days`);
      }
    });
  }
}

/** The bytes of a file from `offset` to `end`. */
async function readRange(path: string, offset: number, end: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(Math.max(0, end - offset));
    let done = 0;
    while (done < buf.length) {
      const { bytesRead } = await handle.read(buf, done, buf.length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${path} is shorter than the forwarder's batch (truncated meanwhile?)`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await handle.close();
  }
}

/** Complete lines (newline-terminated) in a file after `offset`. */
async function countLines(path: string, offset: number): Promise<number> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let position = offset;
    let count = 0;
    // An empty line is no point (readers skip it): the newline a journal appends to close off a
    // partial line can make one (see Journal#append). `lineStart`: the byte before was a newline.
    let lineStart = true;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      if (bytesRead === 0) return count;
      let from = 0;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) {
        if (!(i === from && lineStart)) count++;
        from = i + 1;
        lineStart = true;
      }
      if (from < bytesRead) lineStart = false;
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** The task's result, or undefined once `deadline` (epoch ms) has passed. */
async function withDeadline<T>(task: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}


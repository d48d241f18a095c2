import { join } from "node:path";
import { journalBlocks, measurementPick } from "./journal-blocks.js";
import { parsePointLine } from "./journal-line.js";
import { listJournalFiles, type SkippedLine } from "./journal.js";
import type { Point } from "./point.js";
import { readObservationHead } from "./observation-head.js";
import { JournalLineFetcher, parseJournalHead } from "./read-journal-batches.js";

export interface TailReadOptions {
  /**
   * The measurements wanted from the file of this UTC day (YYYY-MM-DD, the day it was written);
   * undefined: every line. Lines of other measurements are passed over without being decoded.
   */
  measurements(day: string): ReadonlySet<string> | undefined;
  /** Each point read, in file order, with the UTC day of its file. */
  onPoint(point: Point, day: string): void;
  /** Each wanted line that cannot be read (torn or damaged): it is skipped. */
  onSkip?: ((skipped: SkippedLine) => void) | undefined;
  /**
   * Read observations by their head: only measurement, time and tags are decoded, plus this one
   * string field found in the bytes (see ObservationHead); their fields are read back from the
   * file when asked for, until releaseFiles(). For a pass over days of observations that needs
   * the fields of few of them.
   */
  observationHeads?: { probe?: string } | undefined;
}

/**
 * Reads a journal folder from where the last read ended: each file from the byte offset its
 * previous read stopped at, so lines appended since (by this process or another, such as the
 * CLI) are read once, and the points of a file never twice. Offsets of files that are gone
 * (pruned) are forgotten. One tail can serve readers that want different measurements of the
 * same pass (see src/startup/read-startup-index.ts).
 *
 * Observations (pr_observation) are yielded with their fields parsed when first used (see
 * JournalLinePoint): most of a journal is observations, and a reader of their tags and time
 * alone need not parse them. Other points are checked whole as they are read.
 */
export class JournalTail {
  #offsets = new Map<string, number>();
  #fetcher = new JournalLineFetcher();

  constructor(readonly dir: string) {}

  /** Reads the lines appended since the last read. */
  async read(options: TailReadOptions): Promise<void> {
    const files = await listJournalFiles(this.dir);
    for (const name of this.#offsets.keys()) if (!files.includes(name)) this.#offsets.delete(name);
    for (const name of files) {
      const day = name.slice(0, 10);
      const wanted = options.measurements(day);
      if (wanted && wanted.size === 0) {
        // Nothing wanted from this file now, but a later read may want it: leave its offset.
        continue;
      }
      const path = join(this.dir, name);
      let offset = this.#offsets.get(name) ?? 0;
      const pick = measurementPick(wanted);
      const isObservation = measurementPick(["pr_observation"]);
      const heads = options.observationHeads;
      const visit = (buf: Buffer, start: number, end: number, at: number): Point | SkippedLine | undefined => {
        if (!pick(buf, start, end)) return undefined;
        if (heads && isObservation(buf, start, end)) {
          const head = readObservationHead(buf, start, end, path, at, heads.probe, this.#fetcher);
          if (head) return head;
        }
        const point = readLine(buf.toString("utf8", start, end), path, at, end - start);
        return typeof point === "string" ? { file: name, offset: at, reason: point } : point;
      };
      try {
        for await (const block of journalBlocks(path, offset, visit)) {
          for (const item of block.items) {
            if ("reason" in item) options.onSkip?.(item);
            else if (!wanted || wanted.has(item.measurement)) options.onPoint(item, day);
          }
          offset = block.end;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // pruned while reading
      }
      this.#offsets.set(name, offset);
    }
  }

  /** Closes the files kept open to read observations' fields back (see observationHeads). */
  releaseFiles(): void {
    this.#fetcher.close();
  }
}

/** The point of a journal line (observations with lazily parsed fields), or why it cannot be read. */
function readLine(text: string, path: string, offset: number, length: number): Point | string {
  const head = parseJournalHead(text, path, offset, length);
  if (head?.measurement === "pr_observation") return head;
  try {
    return parsePointLine(text);
  } catch (err) {
    return (err as Error).message;
  }
}

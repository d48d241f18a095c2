import { join } from "node:path";
import { journalBlocks, measurementPick } from "./journal-blocks.js";
import { parsePointLine } from "./journal-line.js";
import { fileLinesContaining, journalFileNames } from "./journal-lines-containing.js";
import type { SkippedLine } from "./journal.js";
import type { Point } from "./point.js";

/** Which journal points to read (every condition given must hold; times are inclusive). */
export interface PointQuery {
  measurements?: readonly string[] | undefined;
  /** The point's own time. */
  since?: Date | undefined;
  until?: Date | undefined;
  /** Only points of exactly this time (an identity lookup). */
  at?: Date | undefined;
  /** The `repo` tag (`owner/name`), and the `pr` tag. */
  repo?: string | undefined;
  pr?: number | undefined;
  /**
   * Only the files written on or after this UTC day (YYYY-MM-DD): a file holds what was written
   * that day, whatever the points' own times.
   */
  writtenFromDay?: string | undefined;
  /** File order: "asc" oldest file first (default), "desc" newest first. Lines keep their order within a file. */
  order?: "asc" | "desc" | undefined;
  /**
   * Asked before each file with its UTC day; false ends the read there. With order "desc", a
   * reader that knows no older file can hold what it looks for stops early.
   */
  readDay?: ((day: string) => boolean) | undefined;
  /** Each candidate line that cannot be read (torn or damaged): it is skipped. */
  onSkip?: ((skipped: SkippedLine) => void) | undefined;
}

/**
 * The points of the journal in `dir` that match `query`. The one reader of the journal's lines
 * outside the export's batch reader (readJournalBatches), with the fast paths the queries allow:
 * - one pull request (`pr`) or one time (`at`): the raw bytes of each file are searched for the
 *   tag or the time as serializePoint writes it, and only the lines that contain it are decoded
 *   and parsed (the API and the CLI look one up before each write);
 * - some measurements: a line is chosen by its first bytes, and only the chosen are decoded and
 *   parsed (a journal is mostly observations; readers of outcomes and actions skip them unread);
 * - otherwise every line is parsed.
 * A folder that cannot be listed yields nothing (the write that follows says what is wrong).
 */
export async function* readPoints(dir: string, query: PointQuery = {}): AsyncGenerator<Point> {
  const names = await journalFileNames(dir);
  if (query.order === "desc") names.reverse();
  const needle = query.at ? `"time":${JSON.stringify(query.at.toISOString())}` : query.pr !== undefined ? `"pr":${JSON.stringify(String(query.pr))}` : undefined;
  for (const name of names) {
    const day = name.slice(0, 10);
    if (query.writtenFromDay && day < query.writtenFromDay) {
      if (query.order === "desc") return;
      continue;
    }
    if (query.readDay && !query.readDay(day)) return;
    const path = join(dir, name);
    if (needle) {
      for await (const { line, offset } of fileLinesContaining(path, needle)) {
        const point = parsed(line, name, offset, query.onSkip);
        if (point && matches(point, query)) yield point;
      }
      continue;
    }
    const pick = measurementPick(query.measurements);
    const visit = (buf: Buffer, start: number, end: number, offset: number) => (pick(buf, start, end) ? { text: buf.toString("utf8", start, end), offset } : undefined);
    try {
      for await (const block of journalBlocks(path, 0, visit)) {
        for (const { text, offset } of block.items) {
          const point = parsed(text, name, offset, query.onSkip);
          if (point && matches(point, query)) yield point;
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // pruned meanwhile
    }
  }
}

function parsed(line: string, file: string, offset: number, onSkip: PointQuery["onSkip"]): Point | undefined {
  try {
    return parsePointLine(line);
  } catch (err) {
    onSkip?.({ file, offset, reason: (err as Error).message });
    return undefined;
  }
}

function matches(point: Point, query: PointQuery): boolean {
  const t = point.time.getTime();
  if (query.since && t < query.since.getTime()) return false;
  if (query.until && t > query.until.getTime()) return false;
  if (query.at && t !== query.at.getTime()) return false;
  if (query.measurements && !query.measurements.includes(point.measurement)) return false;
  if (query.repo !== undefined && point.tags.repo !== query.repo) return false;
  if (query.pr !== undefined && point.tags.pr !== String(query.pr)) return false;
  return true;
}

import { join } from "node:path";
import { journalFileName, listJournalFiles, readJournalLines, type SkippedLine } from "../store/journal.js";
import { parsePointLine } from "../store/journal-line.js";
import type { Point } from "../store/point.js";

/**
 * The outcome points of the journal files of the last `days` UTC days: what a restarted app
 * needs to recognise a redelivered close (GitHub's redeliveries come within days). Only the
 * recent files are read, and a line is parsed only if it is an outcome.
 */
export function recentJournalOutcomes(
  dir: string,
  days: number,
  now: Date = new Date(),
  /** Told about each outcome line that cannot be read (torn or damaged); it is skipped. */
  onSkip?: (skipped: SkippedLine) => void,
): Promise<Point[]> {
  return recentJournalPoints(dir, days, ["outcome"], now, onSkip);
}

/**
 * The points of these measurements in the journal files of the last `days` UTC days (one pass
 * for several measurements: the files can be large). A line is parsed only if it is one of them;
 * one of them that cannot be read (torn or damaged) is skipped and told to `onSkip`.
 */
export async function recentJournalPoints(
  dir: string,
  days: number,
  measurements: readonly string[],
  now: Date = new Date(),
  onSkip?: (skipped: SkippedLine) => void,
): Promise<Point[]> {
  const from = journalFileName(new Date(now.getTime() - days * 86_400_000));
  const prefixes = measurements.map((m) => `{"measurement":${JSON.stringify(m)}`);
  const out: Point[] = [];
  for (const name of await listJournalFiles(dir)) {
    if (name < from) continue;
    for await (const { line, offset } of readJournalLines(join(dir, name))) {
      if (!prefixes.some((p) => line.startsWith(p))) continue;
      try {
        out.push(parsePointLine(line));
      } catch (err) {
        onSkip?.({ file: name, offset, reason: (err as Error).message });
      }
    }
  }
  return out;
}

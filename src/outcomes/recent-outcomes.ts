import { join } from "node:path";
import { journalFileName, listJournalFiles, readJournalLines, type SkippedLine } from "../store/journal.js";
import { parsePointLine } from "../store/journal-line.js";
import type { Point } from "../store/point.js";

/**
 * The outcome points of the journal files of the last `days` UTC days: what a restarted app
 * needs to recognise a redelivered close (GitHub's redeliveries come within days). Only the
 * recent files are read, and a line is parsed only if it is an outcome.
 */
export async function recentJournalOutcomes(
  dir: string,
  days: number,
  now: Date = new Date(),
  /** Told about each outcome line that cannot be read (torn or damaged); it is skipped. */
  onSkip?: (skipped: SkippedLine) => void,
): Promise<Point[]> {
  const from = journalFileName(new Date(now.getTime() - days * 86_400_000));
  const out: Point[] = [];
  for (const name of await listJournalFiles(dir)) {
    if (name < from) continue;
    for await (const { line, offset } of readJournalLines(join(dir, name))) {
      if (!line.startsWith('{"measurement":"outcome"')) continue;
      try {
        out.push(parsePointLine(line));
      } catch (err) {
        onSkip?.({ file: name, offset, reason: (err as Error).message });
      }
    }
  }
  return out;
}

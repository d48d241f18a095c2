import type { SkippedLine } from "../store/journal.js";
import type { Point } from "../store/point.js";
import { readPoints } from "../store/read-points.js";

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
  const out: Point[] = [];
  for await (const point of readPoints(dir, { measurements, writtenFromDay: recentFromDay(days, now), onSkip })) out.push(point);
  return out;
}

/** The first UTC day (YYYY-MM-DD) of the journal files of the last `days` days. */
export function recentFromDay(days: number, now: Date): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

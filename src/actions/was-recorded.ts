import { pointKey, type Point } from "../store/point.js";
import { readPoints } from "../store/read-points.js";

/**
 * Whether the journal in `dir` already holds a point with the identity of `point` (measurement,
 * tags and time, as InfluxDB identifies points). Writing it again replaces that point: InfluxDB
 * merges the fields (a field this write does not set keeps its earlier value), so the CLI and the
 * API say so.
 *
 * Only journal files of the UTC days from `point.time - maxFutureHours` on are read: a point is
 * written at most MAX_FUTURE_HOURS before its time, into the file of the day it is written. (A
 * journal file pruned by JOURNAL_RETENTION_DAYS is not looked at: its points are only in InfluxDB.)
 */
export async function wasRecorded(dir: string, point: Point, maxFutureHours: number): Promise<boolean> {
  const key = pointKey(point);
  const earliest = point.time.getTime() - maxFutureHours * 3_600_000;
  const fromDay = Number.isFinite(earliest) && Math.abs(earliest) < 8.64e15 ? new Date(earliest).toISOString().slice(0, 10) : undefined;
  for await (const stored of readPoints(dir, { at: point.time, writtenFromDay: fromDay, measurements: [point.measurement] })) {
    if (pointKey(stored) === key) return true;
  }
  return false;
}

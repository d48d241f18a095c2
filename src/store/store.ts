import type { Point } from "./point.js";

/** A time range and filter for reading points back. Bounds are inclusive. */
export interface ReadRange {
  since?: Date | undefined;
  until?: Date | undefined;
  measurements?: string[] | undefined;
  /** `owner/name` values of the `repo` tag. */
  repos?: string[] | undefined;
}

/**
 * The one small interface every store implements (the journal, InfluxDB v2, InfluxDB v1), so the
 * pipeline never knows which one it has.
 */
export interface PointStore {
  /** A short name for logs and /health: "journal", "influx-v2", "influx-v1". */
  readonly name: string;
  /** Durably accepts the points (or throws StoreError); resolves once they are in the store. */
  write(points: Point[]): Promise<void>;
  /** Streams stored points in the range. Order is the store's own; callers sort if they need to. */
  read(range?: ReadRange): AsyncIterable<Point>;
  close(): Promise<void>;
}

/** Whether a point is inside a read range. */
export function inRange(point: Point, range: ReadRange | undefined): boolean {
  if (!range) return true;
  const t = point.time.getTime();
  if (range.since && t < range.since.getTime()) return false;
  if (range.until && t > range.until.getTime()) return false;
  if (range.measurements && !range.measurements.includes(point.measurement)) return false;
  if (range.repos && !range.repos.includes(point.tags.repo ?? "")) return false;
  return true;
}

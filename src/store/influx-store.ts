import type { Point } from "./point.js";
import type { PointStore, ReadRange } from "./store.js";

/**
 * An InfluxDB store (v1 or v2 API). Besides the PointStore shape it takes ready lines of line
 * protocol (what the forwarder ships) and answers whether InfluxDB is reachable.
 */
export interface InfluxStore extends PointStore {
  readonly name: "influx-v1" | "influx-v2";
  readonly api: "v1" | "v2";
  /** Where it writes, for logs: URL and database/bucket, never a credential. */
  readonly target: string;
  /**
   * Sends lines of line protocol (ms precision) in ONE request. An element may hold several
   * lines joined by "\n" (the forwarder groups them to spare the garbage collector). Resolves
   * when InfluxDB accepted them (204); throws InfluxWriteError otherwise. It never retries on its
   * own: the forwarder does.
   */
  writeLines(lines: string[]): Promise<void>;
  /**
   * Streams stored points in the range. A point with a field InfluxDB holds with another type
   * than declared (a type conflict between shards) is skipped and passed to `onSkip`.
   */
  read(range?: ReadRange, onSkip?: (reason: string) => void): AsyncIterable<Point>;
  /** Whether InfluxDB answers /ping within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
}

import type { Logger } from "probot";
import type { Config } from "../config.js";
import { Journal } from "./journal.js";
import type { Point } from "./point.js";
import type { PointStore, ReadRange } from "./store.js";

/** What /health and the start-up log say about the store. */
export interface StoreHealth {
  /** "journal", "influx-v2" or "influx-v1". */
  store: string;
  ok: boolean;
  /** Why the store cannot do its job, when ok is false. */
  problem?: string | undefined;
  pointsWritten: number;
  /** Points in the journal not yet accepted by InfluxDB (0 with the journal alone). */
  backlog: number;
  /** Whether InfluxDB answered its last request (undefined with the journal alone). */
  influxReachable?: boolean | undefined;
}

/**
 * The app's store: every point goes to the journal first (the durable log); when InfluxDB is
 * configured, a forwarder ships journal lines to it. Reads come from the configured store.
 */
export interface TelemetryStore {
  readonly journal: Journal;
  /** The store reads come from: the journal, or InfluxDB when configured. */
  readonly primary: PointStore;
  /** Appends points to the journal; resolves once they are there. Never waits on InfluxDB. */
  write(points: Point[]): Promise<void>;
  read(range?: ReadRange): AsyncIterable<Point>;
  health(): Promise<StoreHealth>;
  /**
   * Ships every point not yet forwarded, within `timeoutMs`. Resolves with what is left
   * (0 with the journal alone). The CLI calls it before exiting, the app on SIGTERM.
   */
  drain(timeoutMs: number): Promise<{ backlog: number }>;
  close(): Promise<void>;
}

/** Opens the store the configuration selects. */
export async function openStore(config: Config, log: Logger): Promise<TelemetryStore> {
  const journal = new Journal({ dir: config.journalDir, flushIntervalMs: config.flushIntervalMs });
  if (config.influx) {
    log.warn("InfluxDB is configured but forwarding is not built yet; points stay in the journal");
  }
  return {
    journal,
    primary: journal,
    write: (points) => journal.write(points),
    read: (range) => journal.read(range),
    async health() {
      const problem = await journal.problem();
      return { store: "journal", ok: problem === undefined, problem, pointsWritten: journal.pointsWritten, backlog: 0 };
    },
    async drain() {
      await journal.flush();
      return { backlog: 0 };
    },
    close: () => journal.close(),
  };
}

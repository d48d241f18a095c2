import type { Logger } from "probot";
import type { Config } from "../config.js";
import { Forwarder } from "./forwarder.js";
import type { InfluxStore } from "./influx-store.js";
import { Journal } from "./journal.js";
import { skippedMessage, tornMessage } from "./journal-damage.js";
import { openInfluxStore } from "./open-influx-store.js";
import type { Point } from "./point.js";
import type { PointStore, ReadRange } from "./store.js";

/** What /health and the start-up log say about the store. */
export interface StoreHealth {
  /** "journal", "influx-v2" or "influx-v1". */
  store: string;
  /** Whether points can be taken: the journal is writable. InfluxDB being down does not lose points, so it does not make this false. */
  ok: boolean;
  /** Why the store cannot do its job, when ok is false. */
  problem?: string | undefined;
  pointsWritten: number;
  /** Points in the journal not yet accepted by InfluxDB (0 with the journal alone). */
  backlog: number;
  /** Whether InfluxDB answers /ping (undefined with the journal alone). */
  influxReachable?: boolean | undefined;
  /** Why the last write to InfluxDB failed and what to do (undefined when it succeeded). */
  influxProblem?: string | undefined;
  /** Where points are forwarded: URL and database or org/bucket, never a credential. */
  influxTarget?: string | undefined;
  /** Lines set aside in DATA_DIR/dead-letter since start. */
  deadLettered?: number | undefined;
}

/**
 * The app's store: every point goes to the journal first (the durable log); when InfluxDB is
 * configured, a forwarder ships journal lines to it. Reads come from the configured store.
 */
export interface TelemetryStore {
  readonly journal: Journal;
  /** The store reads come from: the journal, or InfluxDB when configured. */
  readonly primary: PointStore;
  /** The forwarder, when InfluxDB is configured. */
  readonly forwarder?: Forwarder | undefined;
  /** Appends points to the journal; resolves once they are there. Never waits on InfluxDB. */
  write(points: Point[]): Promise<void>;
  read(range?: ReadRange): AsyncIterable<Point>;
  health(): Promise<StoreHealth>;
  /**
   * Ships every point not yet forwarded, within `timeoutMs`. Resolves with what is left
   * (0 with the journal alone). The app calls it on SIGTERM with SHUTDOWN_GRACE_MS and the CLI's
   * `sweep` before exiting; `record-action`/`record-outcome` ship through shipPoints instead
   * (src/store/ship-points.ts), which gives up as soon as InfluxDB does not answer.
   */
  drain(timeoutMs: number): Promise<{ backlog: number }>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Start the background forwarder (default true). The CLI may leave it off and only drain. */
  forward?: boolean;
  /** Overrides for tests and benchmarks (e.g. an InfluxStore pointing at a test server). */
  influx?: InfluxStore;
  maxBatchLines?: number;
}

/**
 * Opens the store the configuration selects and logs which one it is (never the token):
 * the journal alone, or the journal forwarded to InfluxDB (v2 API with a token, v1 API with
 * INFLUX_DATABASE). With InfluxDB, a background forwarder starts shipping any backlog at once.
 */
export async function openStore(config: Config, log: Logger, options: OpenStoreOptions = {}): Promise<TelemetryStore> {
  const journal = new Journal({
    dir: config.journalDir,
    flushIntervalMs: config.flushIntervalMs,
    onTorn: (torn) => log.warn({ ...torn }, tornMessage(torn)),
    onSkipped: (lines) => log.warn({ first: lines[0] }, skippedMessage(lines.length, "journal")),
  });
  await journal.repairTails();
  if (!config.influx && !options.influx) {
    log.info({ store: "journal", journal: config.journalDir }, `store: journal in ${config.journalDir} (no InfluxDB configured)`);
    return journalOnly(journal);
  }
  const influx = options.influx ?? openInfluxStore(config.influx!);
  const forwarder = new Forwarder({
    journalDir: config.journalDir,
    dataDir: config.dataDir,
    influx,
    log,
    retentionDays: config.journalRetentionDays,
    ...(options.maxBatchLines ? { maxBatchLines: options.maxBatchLines } : {}),
  });
  const backlog = await forwarder.backlog();
  const tokenSource = config.influx?.api === "v2" ? config.influx.tokenSource : undefined;
  log.info(
    { store: influx.name, influx: influx.target, tokenSource, journal: config.journalDir, backlog },
    `store: ${influx.name} at ${influx.target}${tokenSource ? ` (token from ${tokenSource})` : ""}, through the journal in ${config.journalDir}; ${backlog} point(s) wait to be forwarded`,
  );
  if (options.forward !== false) forwarder.start();
  return {
    journal,
    primary: influx,
    forwarder,
    async write(points) {
      await journal.write(points);
      forwarder.notify();
    },
    read: (range) => influx.read(range),
    async health() {
      const [problem, backlog, reachable] = await Promise.all([journal.problem(), forwarder.backlog(), influx.ping()]);
      return {
        store: influx.name,
        ok: problem === undefined,
        problem,
        pointsWritten: journal.pointsWritten,
        backlog,
        influxReachable: reachable,
        influxProblem: forwarder.problem,
        influxTarget: influx.target,
        deadLettered: forwarder.deadLettered,
      };
    },
    async drain(timeoutMs) {
      await journal.flush();
      const result = await forwarder.drain(timeoutMs);
      if (result.backlog > 0) {
        log.warn(
          { backlog: result.backlog, influx: influx.target },
          `${result.backlog} point(s) not yet in InfluxDB stay in the journal and are forwarded at the next start${forwarder.problem ? ` (${forwarder.problem})` : ""}`,
        );
      }
      return result;
    },
    async close() {
      await forwarder.close();
      await journal.close();
      await influx.close();
    },
  };
}

function journalOnly(journal: Journal): TelemetryStore {
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

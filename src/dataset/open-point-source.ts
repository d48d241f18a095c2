import type { Config } from "../config.js";
import { InputError } from "../errors.js";
import { openInfluxStore } from "../store/open-influx-store.js";
import type { SkippedLine } from "../store/journal.js";
import type { Point } from "../store/point.js";
import type { ReadRange } from "../store/store.js";
import { readJournalBatches } from "../store/read-journal-batches.js";
import { inBatches } from "./in-batches.js";

/** Where `export` and `stats` read points from. */
export const SOURCES = ["journal", "influx"] as const;
export type SourceName = (typeof SOURCES)[number];

export interface PointSource {
  name: SourceName;
  /** A description for the summary and the dataset card. */
  label: string;
  /** The points in the range, in batches. */
  read(range: ReadRange): AsyncIterable<Point[]>;
  close(): Promise<void>;
}

/**
 * The store to read: `from`, or by default the configured one (InfluxDB when configured, else
 * the journal). The journal is read with readJournalBatches (fields parsed on demand); InfluxDB
 * through its store's streamed read (InfluxQL for v1, Flux for v2). `onSkip` hears of each journal
 * line that is not a point and each InfluxDB point with a field of another type than declared.
 */
export function openPointSource(config: Config, from: SourceName | undefined, onSkip?: (skipped: SkippedLine) => void): PointSource {
  const name = from ?? (config.influx ? "influx" : "journal");
  if (name === "journal") {
    return {
      name,
      label: `journal in ${config.journalDir}`,
      read: (range) => readJournalBatches(config.journalDir, range, onSkip),
      close: async () => undefined,
    };
  }
  if (!config.influx) {
    throw new InputError(
      "--from influx needs InfluxDB configured: set INFLUX_DATABASE (InfluxDB 1.x) or INFLUX_TOKEN/INFLUX_TOKEN_FILE (2.x), or use --from journal",
      "from",
    );
  }
  const store = openInfluxStore(config.influx);
  const skipped = (reason: string) => onSkip?.({ file: store.target, offset: 0, reason });
  return { name, label: `InfluxDB (${store.target})`, read: (range) => inBatches(store.read(range, skipped)), close: () => store.close() };
}

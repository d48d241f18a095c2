import { StoreError } from "../errors.js";
import type { TelemetryStore } from "./open-store.js";

/**
 * For CLI commands that write points (record-action, record-outcome, sweep): ships every point
 * waiting in the journal to InfluxDB within `timeoutMs`, and throws StoreError (exit code 1) when
 * InfluxDB did not take them all, since a CI runner keeps no disk. With the journal alone it only
 * flushes the journal. The points stay in the journal either way.
 */
export async function shipOrFail(store: TelemetryStore, timeoutMs: number): Promise<void> {
  const { backlog } = await store.drain(timeoutMs);
  if (backlog === 0) return;
  const health = await store.health();
  const why = health.influxProblem ?? (health.influxReachable === false ? "InfluxDB did not answer" : "it did not finish in time");
  throw new StoreError(
    `InfluxDB did not take ${backlog} point(s) within ${Math.round(timeoutMs / 1000)} s: ${why}. ` +
      `They are kept in the journal in ${store.journal.dir} and are sent by the next run that reaches InfluxDB with the same DATA_DIR.`,
  );
}

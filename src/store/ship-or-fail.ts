import { StoreError } from "../errors.js";
import type { TelemetryStore } from "./open-store.js";

/** What shipPoints left: the points InfluxDB has not taken (0: all there), and why. */
export interface ShipResult {
  backlog: number;
  /** Why points are left (InfluxDB's problem, or that time ran out); undefined when none are. */
  why?: string | undefined;
  /** Whether it gave up before the time was over, because InfluxDB did not answer at all. */
  early?: boolean | undefined;
}

/**
 * How often shipPoints looks whether InfluxDB answers at all. A refused connection fails in
 * microseconds, so without this look the CLI would retry (with backoff) for the whole grace
 * period (SHUTDOWN_GRACE_MS, 25 s) before saying what it knew at once.
 */
const LOOK_EVERY_MS = 500;

/**
 * For CLI commands that write points (record-action, record-outcome, sweep): ships every point
 * waiting in the journal to InfluxDB within `timeoutMs`, and says what is left. It gives up early,
 * without waiting for `timeoutMs`, when a write got no answer at all (connection refused, host
 * unknown, connection reset, timed out) and InfluxDB does not answer a ping either: retrying for
 * the rest of the grace period would only make a CI job or an orchestrator wait. Points that
 * InfluxDB answered with an error (503, 429, a 401) are retried until `timeoutMs`. With the
 * journal alone it only flushes the journal. The points stay in the journal either way.
 */
export async function shipPoints(store: TelemetryStore, timeoutMs: number): Promise<ShipResult> {
  const forwarder = store.forwarder;
  if (!forwarder) return store.drain(timeoutMs);
  await store.journal.flush();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = Math.max(0, deadline - Date.now());
    // Once InfluxDB has answered, drain in one go: each look counts the backlog (reads the journal).
    const { backlog } = await forwarder.drain(forwarder.reachable === true ? remaining : Math.min(LOOK_EVERY_MS, remaining));
    if (backlog === 0) return { backlog };
    if (forwarder.reachable === false) {
      const health = await store.health();
      if (!health.influxReachable) return { backlog, why: health.influxProblem ?? forwarder.problem ?? "InfluxDB did not answer", early: true };
    }
    if (Date.now() >= deadline) return { backlog, why: forwarder.problem ?? "it did not finish in time" };
  }
}

/**
 * shipPoints, for the sweep: throws StoreError (exit code 1) when InfluxDB did not take every
 * point, since a CI runner keeps no disk.
 */
export async function shipOrFail(store: TelemetryStore, timeoutMs: number): Promise<void> {
  const { backlog, why, early } = await shipPoints(store, timeoutMs);
  if (backlog === 0) return;
  throw new StoreError(
    `InfluxDB did not take ${backlog} point(s)${early ? "" : ` within ${Math.round(timeoutMs / 1000)} s`}: ${why}. ` +
      `They are kept in the journal in ${store.journal.dir} and are sent by the next run that reaches InfluxDB with the same DATA_DIR.`,
  );
}

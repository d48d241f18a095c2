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
const LOOK_EVERY_MS = 250;

/**
 * For CLI commands that write points (record-action, record-outcome, sweep): ships every point
 * waiting in the journal to InfluxDB within `timeoutMs`, and says what is left. It gives up early,
 * without waiting for `timeoutMs`, as soon as a write gets no answer at all (connection refused,
 * host unknown, connection reset, the request's timeout): retrying for the rest of the grace
 * period would only make a CI job or an orchestrator wait, and the points are safe in the journal.
 * (If InfluxDB was already marked silent before this call, a failed ping is asked for too, so an
 * old failure cannot end a drain that is about to succeed.) Points that InfluxDB answered with an
 * error (503, 429, a 401) are retried until `timeoutMs`. With the journal alone it only flushes
 * the journal. The points stay in the journal either way.
 *
 * One drain runs for the whole time and is watched from the side: draining in short slices
 * instead would queue a new batch behind one stuck in a silent InfluxDB at every slice. After an
 * early answer the drain stops at its next step once the caller closes the store; giving up
 * without a ping of our own keeps that step from being a second request to a silent InfluxDB
 * (the drain retries 250 ms after a failure, before a ping to it could time out).
 */
export async function shipPoints(store: TelemetryStore, timeoutMs: number): Promise<ShipResult> {
  const forwarder = store.forwarder;
  if (!forwarder) return store.drain(timeoutMs);
  await store.journal.flush();
  const silentBefore = forwarder.reachable === false;
  const drained = forwarder.drain(timeoutMs);
  drained.catch(() => undefined); // awaited below, or abandoned after an early answer
  for (;;) {
    const done = await Promise.race([drained, pause(LOOK_EVERY_MS)]);
    if (done) return done.backlog === 0 ? done : { backlog: done.backlog, why: forwarder.problem ?? "it did not finish in time" };
    if (forwarder.reachable !== false) continue;
    const health = silentBefore ? await store.health() : undefined;
    if (health?.influxReachable) continue;
    return { backlog: health?.backlog ?? (await forwarder.backlog()), why: forwarder.problem ?? "InfluxDB did not answer", early: true };
  }
}

/** Resolves with undefined after `ms`, without keeping the process alive. */
function pause(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

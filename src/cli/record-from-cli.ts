import type { BuiltPoint } from "../actions/built-point.js";
import { replacedNote } from "../actions/replaced-note.js";
import { wasRecorded } from "../actions/was-recorded.js";
import type { CliIo } from "./cli-io.js";
import { cliLog } from "./cli-log.js";
import { loadConfig, type Config } from "../config.js";
import { openStore, type TelemetryStore } from "../store/open-store.js";
import type { Point } from "../store/point.js";
import { shipPoints } from "../store/ship-points.js";

/**
 * The exit code of record-action and record-outcome when the point is in the journal but not yet
 * in InfluxDB (down, refusing, or slow): it is not lost (the app, or the next run with the same
 * DATA_DIR, forwards it), but a job that needs it in InfluxDB now can tell. 1 means not recorded
 * at all (the journal could not be written), 2 bad input (see src/cli/run-cli.ts).
 */
export const EXIT_NOT_IN_INFLUX = 3;


/**
 * Validates the command's input with the configuration (e.g. MAX_FUTURE_HOURS) before anything
 * is opened, throwing InputError; returns what builds the point once the store is open.
 */
export type PlanPoint = (config: Config) => (store: TelemetryStore) => Promise<BuiltPoint>;

/**
 * What record-action and record-outcome share: open the store the app uses (same DATA_DIR, same
 * InfluxDB), write the point to the journal first (the outbox: nothing here reads InfluxDB), then
 * ship it to InfluxDB before exiting. Prints one line saying what was recorded (or, with `json`,
 * one JSON object), notes and a replaced point on stderr. Exit code (io.exitCode): 0 recorded
 * (and in InfluxDB when configured), EXIT_NOT_IN_INFLUX (3) when InfluxDB did not take it; a
 * journal that cannot be written throws StoreError (1), bad input InputError (2). A refused
 * connection gives up at once (shipPoints), not after SHUTDOWN_GRACE_MS.
 */
export async function recordFromCli(
  io: CliIo,
  plan: PlanPoint,
  options: { json?: boolean | undefined } = {},
  open: typeof openStore = openStore,
): Promise<Point> {
  const config = loadConfig(io.env);
  const build = plan(config);
  const log = cliLog(io);
  for (const warning of config.warnings) log.warn(warning);
  // The CLI ships through shipPoints alone: no background forwarder racing it.
  const store = await open(config, log, { forward: false });
  try {
    const { point, notes } = await build(store);
    const replaced = await wasRecorded(store.journal.dir, point, config.maxFutureHours);
    await store.write([point]);
    const shipped = store.forwarder ? await shipPoints(store, config.shutdownGraceMs) : undefined;
    const pending = shipped !== undefined && shipped.backlog > 0;
    if (options.json) {
      io.stdout(
        JSON.stringify({
          recorded: { measurement: point.measurement, time: point.time.toISOString(), tags: point.tags, fields: point.fields },
          replaced,
          influxdb: shipped === undefined ? "not configured" : pending ? "pending" : "written",
          ...(notes.length ? { notes } : {}),
        }) + "\n",
      );
    } else {
      io.stdout(describePoint(point) + "\n");
    }
    if (replaced) io.stderr(`pr-telemetry: ${replacedNote(point)}\n`);
    for (const note of notes) io.stderr(`pr-telemetry: ${note}\n`);
    if (pending) {
      io.stderr(
        `pr-telemetry: recorded in the journal (${config.journalDir}), but ${shipped.backlog} point(s) are not in InfluxDB yet (${shipped.why}); they stay in the journal and are forwarded by the app or the next run with this DATA_DIR (exit code ${EXIT_NOT_IN_INFLUX})\n`,
      );
      io.exitCode = EXIT_NOT_IN_INFLUX;
    }
    return point;
  } finally {
    await store.close();
  }
}

/** One line saying what was recorded, e.g. `recorded action_taken dappcore/core#315 2026-02-05T09:00:00.000Z action=wait source=cli`. */
export function describePoint(point: Point): string {
  const fields = Object.entries(point.fields)
    .filter(([key]) => key !== "reason" && key !== "detail")
    .map(([key, value]) => `${key}=${value}`);
  const text = point.fields.reason ?? point.fields.detail;
  return [`recorded ${point.measurement} ${point.tags.repo}#${point.tags.pr} ${point.time.toISOString()}`, ...fields, ...(text !== undefined ? [JSON.stringify(text)] : [])].join(" ");
}

import type { CliIo } from "../cli/cli-io.js";
import { cliLog } from "../cli/cli-log.js";
import { loadConfig } from "../config.js";
import { openStore, type TelemetryStore } from "../store/open-store.js";
import type { Point } from "../store/point.js";

/**
 * What record-action and record-outcome share: open the store the app uses (same DATA_DIR,
 * same InfluxDB), write the point, and drain it to InfluxDB before exiting. A point InfluxDB
 * did not take in time stays in the journal for the app to forward: exit 1, saying so.
 * `build` may read the store (record-outcome looks up the PR's creation).
 */
export async function recordFromCli(
  io: CliIo,
  build: (store: TelemetryStore) => Promise<Point>,
  open: typeof openStore = openStore,
): Promise<Point> {
  const config = loadConfig(io.env);
  const log = cliLog(io);
  for (const warning of config.warnings) log.warn(warning);
  const store = await open(config, log);
  try {
    const point = await build(store);
    await store.write([point]);
    const { backlog } = await store.drain(config.shutdownGraceMs);
    io.stdout(describePoint(point) + "\n");
    if (backlog > 0) {
      io.stderr(
        `pr-telemetry: recorded in the journal (${config.journalDir}), but ${backlog} point(s) did not reach InfluxDB within ${config.shutdownGraceMs} ms; they stay in the journal and are forwarded by the app or the next run\n`,
      );
      io.exitCode = 1;
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

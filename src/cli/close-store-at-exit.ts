import type { Config } from "../config.js";
import type { TelemetryStore } from "../store/open-store.js";
import type { CliIo } from "./cli-io.js";

/**
 * Ends a command that wrote points: gives InfluxDB up to SHUTDOWN_GRACE_MS to take the journal's
 * backlog, closes the store, and when points are left (or the drain failed) says where they are
 * and makes the exit code 1. Nothing is lost either way: they go with the next run or the app.
 */
export async function closeStoreAtExit(store: TelemetryStore, config: Config, io: CliIo): Promise<void> {
  const { backlog } = await store.drain(config.shutdownGraceMs).catch(() => ({ backlog: -1 }));
  await store.close();
  if (backlog !== 0) {
    io.stderr(
      `pr-telemetry: ${backlog < 0 ? "the store could not be drained" : `${backlog} point(s) did not reach InfluxDB before the exit`}; they stay in the journal (${config.journalDir}) and go with the next run\n`,
    );
    io.exitCode = 1;
  }
}

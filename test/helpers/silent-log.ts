import { pino } from "pino";
import type { Logger } from "probot";

/** A logger that drops everything (tests assert on behaviour, not log lines). */
export function silentLog(): Logger {
  return pino({ level: "silent" });
}

/** A logger that records every entry, for tests that assert a failure was reported. */
export function recordingLog(): { log: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => entries.push(JSON.parse(line)) });
  return { log, entries };
}

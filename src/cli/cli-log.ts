import { pino } from "pino";
import type { Logger } from "probot";
import type { CliIo } from "./cli-io.js";

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/**
 * The CLI's logger: the same pino the app uses (library code takes a Logger), printed to stderr as
 * one readable line per entry ("warn: message key=value") rather than JSON, since a person reads it.
 */
export function cliLog(io: CliIo, level: "debug" | "info" | "warn" = "warn"): Logger {
  return pino(
    { level, base: undefined, timestamp: false },
    {
      write(line: string) {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          io.stderr(line);
          return;
        }
        const { level: n, msg, ...rest } = entry;
        const extra = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join(" ");
        io.stderr(`${LEVELS[n as number] ?? "log"}: ${String(msg ?? "")}${extra ? ` ${extra}` : ""}\n`);
      },
    },
  );
}

import type { CliCommand } from "./command.js";
import { exportCommand } from "./commands/export.js";
import { statsCommand } from "./commands/stats.js";

/** Every `pr-telemetry` command, in the order `--help` lists them. */
export const commands: CliCommand[] = [
  exportCommand,
  statsCommand,
];

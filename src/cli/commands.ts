import type { CliCommand } from "./command.js";

/** Every `pr-telemetry` command, in the order `--help` lists them. */
export const commands: CliCommand[] = [];

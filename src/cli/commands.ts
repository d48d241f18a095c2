import type { CliCommand } from "./command.js";
import { backfill } from "./commands/backfill.js";
import { exportCommand } from "./commands/export.js";
import { recordAction } from "./commands/record-action.js";
import { recordOutcome } from "./commands/record-outcome.js";
import { reportCommand } from "./commands/report.js";
import { statsCommand } from "./commands/stats.js";
import { sweep } from "./commands/sweep.js";
import { timelineCommand } from "./commands/timeline.js";

/** Every `pr-telemetry` command, in the order `--help` lists them. */
export const commands: CliCommand[] = [
  recordAction,
  recordOutcome,
  sweep,
  backfill,
  exportCommand,
  statsCommand,
  timelineCommand,
  reportCommand,
];

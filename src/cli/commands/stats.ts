import type { Argv } from "yargs";
import { formatStats } from "../../dataset/format-stats.js";
import type { CliCommand } from "../command.js";
import type { CliIo } from "../cli-io.js";
import { statsWindowOptions, withStatsWindow, type StatsWindowArgs } from "../stats-window.js";

interface StatsArgs extends StatsWindowArgs {
  json: boolean;
}

/** `pr-telemetry stats`: observations per PR; per action type, agent and repository success rates (Wilson 95%), hours to outcome, improvement within 24 h; outcomes. */
export const statsCommand: CliCommand = {
  command: "stats",
  describe: "Observations per PR; success rate (Wilson 95%), hours to outcome and 24 h improvement by action type, agent and repository; outcomes by result",
  builder: (yargs: Argv) => statsWindowOptions(yargs).option("json", { type: "boolean", default: false, describe: "Print JSON instead of tables" }),
  handler: (args: StatsArgs, io: CliIo) =>
    withStatsWindow(args, io, async ({ stats, source, skipped }) => {
      io.stdout(args.json ? JSON.stringify(stats, null, 2) + "\n" : formatStats(stats));
      // Said once, with the count: the lines were left out of the figures above.
      if (skipped) io.stderr(`stats: ${skipped} unreadable line(s) skipped (torn by a full disk or a power loss, or damaged) from the ${source.label}\n`);
    }),
};

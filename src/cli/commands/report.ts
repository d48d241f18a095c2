import { writeFile } from "node:fs/promises";
import type { Argv } from "yargs";
import { buildReportData } from "../../report/report-data.js";
import { renderReportPage } from "../../report/report-page.js";
import type { CliCommand } from "../command.js";
import type { CliIo } from "../cli-io.js";
import { statsWindowOptions, withStatsWindow, type StatsWindowArgs } from "../stats-window.js";

interface ReportArgs extends StatsWindowArgs {
  out: string;
}

/** `pr-telemetry report --out report.html`: one self-contained HTML page of the store's figures. */
export const reportCommand: CliCommand = {
  command: "report",
  describe: "One self-contained HTML report: success by action and agent, hours to outcome, merge states, funnel, volume, slow PRs",
  builder: (yargs: Argv) => statsWindowOptions(yargs, { since: "30d" }).option("out", { type: "string", demandOption: true, describe: "The HTML file to write" }),
  handler: (args: ReportArgs, io: CliIo) =>
    // The stats are computed as `stats` computes them, so the page's figures are the ones `stats --json` prints.
    withStatsWindow(args, io, async ({ stats, source, range, since, until, now, repos, skipped }) => {
      // The second read meets the same unreadable lines again: they are counted once, from the first.
      const data = await buildReportData(source.read(range), { since, until: until ?? now });
      await writeFile(args.out, renderReportPage(stats, data, { source: source.label, now, repos }));
      io.stderr(`report: ${stats.observations.prs} PR(s), ${stats.actions.reduce((n, a) => n + a.taken, 0)} action(s) written to ${args.out}\n`);
      if (skipped) io.stderr(`report: ${skipped} unreadable line(s) skipped (torn by a full disk or a power loss, or damaged) from the ${source.label}\n`);
    }),
};

import { writeFile } from "node:fs/promises";
import type { Argv } from "yargs";
import { loadConfig } from "../../config.js";
import { computeStats } from "../../dataset/compute-stats.js";
import { openPointSource, SOURCES, type SourceName } from "../../dataset/open-point-source.js";
import { parseTimeWindow } from "../../dataset/parse-time-arg.js";
import { UnreadableLines } from "../../dataset/unreadable-lines.js";
import { buildReportData } from "../../report/report-data.js";
import { renderReportPage } from "../../report/report-page.js";
import type { CliCommand } from "../command.js";
import type { CliIo } from "../cli-io.js";
import { DEFAULT_REPO_CONFIG_PATH, loadAgentLogins } from "../load-agent-logins.js";
import { parseRepos } from "./export.js";

interface ReportArgs {
  from?: SourceName;
  since: string;
  until?: string;
  repo?: string[];
  out: string;
  "repo-config"?: string;
}

/** `pr-telemetry report --out report.html`: one self-contained HTML page of the store's figures. */
export const reportCommand: CliCommand = {
  command: "report",
  describe: "One self-contained HTML report: success by action and agent, hours to outcome, merge states, funnel, volume, slow PRs",
  builder: (yargs: Argv) =>
    yargs
      .option("from", { choices: SOURCES, describe: "Store to read (default: InfluxDB when configured, else the journal)" })
      .option("since", { type: "string", default: "30d", describe: "Window start: 30d, 12h, 2026-02-05 or an ISO time" })
      .option("until", { type: "string", describe: "Window end: a date, an ISO time or a duration ago (default: now)" })
      .option("repo", { type: "string", array: true, describe: "owner/name; repeat for several" })
      .option("out", { type: "string", demandOption: true, describe: "The HTML file to write" })
      .option("repo-config", { type: "string", describe: `A pr-telemetry.yml whose agents: extend the agent logins (default: ${DEFAULT_REPO_CONFIG_PATH} when present)` }),
  handler: async (args: ReportArgs, io: CliIo) => {
    const now = new Date();
    const { since, until } = parseTimeWindow(args, now);
    const repos = parseRepos(args.repo);
    const config = loadConfig(io.env);
    const agents = await loadAgentLogins(config, args["repo-config"]);
    const unreadable = new UnreadableLines();
    const source = openPointSource(config, args.from, unreadable.skipped);
    try {
      const range = { until, repos: repos.length ? repos : undefined, measurements: ["pr_observation", "action_taken", "outcome"] };
      // The same call as `stats`, so the page's figures are the ones `stats --json` prints.
      const stats = await computeStats(source.read(range), { since, until, unreadable, agents });
      // The second read meets the same unreadable lines again: they are counted once, from the first.
      const skipped = unreadable.count;
      const data = await buildReportData(source.read(range), { since, until: until ?? now });
      await writeFile(args.out, renderReportPage(stats, data, { source: source.label, now, repos }));
      io.stderr(`report: ${stats.observations.prs} PR(s), ${stats.actions.reduce((n, a) => n + a.taken, 0)} action(s) written to ${args.out}\n`);
      if (skipped) io.stderr(`report: ${skipped} unreadable line(s) skipped (torn by a full disk or a power loss, or damaged) from the ${source.label}\n`);
    } finally {
      unreadable.close();
      await source.close();
    }
  },
};

import type { Argv } from "yargs";
import { loadConfig } from "../../config.js";
import { computeStats } from "../../dataset/compute-stats.js";
import { formatStats } from "../../dataset/format-stats.js";
import { openPointSource, SOURCES, type SourceName } from "../../dataset/open-point-source.js";
import { parseTimeWindow } from "../../dataset/parse-time-arg.js";
import { UnreadableLines } from "../../dataset/unreadable-lines.js";
import type { CliCommand } from "../command.js";
import type { CliIo } from "../cli-io.js";
import { DEFAULT_REPO_CONFIG_PATH, loadAgentLogins } from "../load-agent-logins.js";
import { parseRepos } from "./export.js";

interface StatsArgs {
  from?: SourceName;
  since?: string;
  until?: string;
  repo?: string[];
  json: boolean;
  "repo-config"?: string;
}

/** `pr-telemetry stats`: observations per PR; per action type, agent and repository success rates (Wilson 95%), hours to outcome, improvement within 24 h; outcomes. */
export const statsCommand: CliCommand = {
  command: "stats",
  describe: "Observations per PR; success rate (Wilson 95%), hours to outcome and 24 h improvement by action type, agent and repository; outcomes by result",
  builder: (yargs: Argv) =>
    yargs
      .option("from", { choices: SOURCES, describe: "Store to read (default: InfluxDB when configured, else the journal)" })
      .option("since", { type: "string", describe: "Window start: 30d, 12h, 2026-02-05 or an ISO time" })
      .option("until", { type: "string", describe: "Window end: a date, an ISO time or a duration ago" })
      .option("repo", { type: "string", array: true, describe: "owner/name; repeat for several" })
      .option("json", { type: "boolean", default: false, describe: "Print JSON instead of tables" })
      .option("repo-config", { type: "string", describe: `A pr-telemetry.yml whose agents: extend the agent logins (default: ${DEFAULT_REPO_CONFIG_PATH} when present)` }),
  handler: async (args: StatsArgs, io: CliIo) => {
    const now = new Date();
    const { since, until } = parseTimeWindow(args, now);
    const repos = parseRepos(args.repo);
    const config = loadConfig(io.env);
    const agents = await loadAgentLogins(config, args["repo-config"]);
    const unreadable = new UnreadableLines();
    const source = openPointSource(config, args.from, unreadable.skipped);
    try {
      const range = { until, repos: repos.length ? repos : undefined, measurements: ["pr_observation", "action_taken", "outcome"] };
      const stats = await computeStats(source.read(range), { since, until, unreadable, agents });
      io.stdout(args.json ? JSON.stringify(stats, null, 2) + "\n" : formatStats(stats));
      // Said once, with the count: the lines were left out of the figures above.
      if (unreadable.count) io.stderr(`stats: ${unreadable.count} unreadable line(s) skipped (torn by a full disk or a power loss, or damaged) from the ${source.label}\n`);
    } finally {
      unreadable.close();
      await source.close();
    }
  },
};

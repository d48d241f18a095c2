import type { Argv } from "yargs";
import { loadConfig } from "../config.js";
import { computeStats, type Stats } from "../dataset/compute-stats.js";
import { openPointSource, SOURCES, type PointSource, type SourceName } from "../dataset/open-point-source.js";
import { parseTimeWindow } from "../dataset/parse-time-arg.js";
import { UnreadableLines } from "../dataset/unreadable-lines.js";
import type { ReadRange } from "../store/store.js";
import type { CliIo } from "./cli-io.js";
import { DEFAULT_REPO_CONFIG_PATH, loadAgentLogins } from "./load-agent-logins.js";
import { parseRepos } from "./commands/export.js";

/** The window options `stats` and `report` share. */
export interface StatsWindowArgs {
  from?: SourceName;
  since?: string;
  until?: string;
  repo?: string[];
  "repo-config"?: string;
}

/** Adds the window options (`--from --since --until --repo --repo-config`); `since` may have a default. */
export function statsWindowOptions(yargs: Argv, defaults: { since?: string } = {}): Argv<StatsWindowArgs> {
  return yargs
    .option("from", { choices: SOURCES, describe: "Store to read (default: InfluxDB when configured, else the journal)" })
    .option("since", { type: "string", ...(defaults.since ? { default: defaults.since } : {}), describe: "Window start: 30d, 12h, 2026-02-05 or an ISO time" })
    .option("until", { type: "string", describe: "Window end: a date, an ISO time or a duration ago (default: now)" })
    .option("repo", { type: "string", array: true, describe: "owner/name; repeat for several" })
    .option("repo-config", { type: "string", describe: `A pr-telemetry.yml whose agents: extend the agent logins (default: ${DEFAULT_REPO_CONFIG_PATH} when present)` }) as Argv<StatsWindowArgs>;
}

/** What a stats window gives its command: the figures, and the source to read again. */
export interface StatsWindow {
  stats: Stats;
  source: PointSource;
  range: ReadRange;
  since: Date | undefined;
  until: Date | undefined;
  now: Date;
  repos: string[];
  /** Unreadable lines met by the stats' read (counted once, however often the source is read again). */
  skipped: number;
}

/**
 * Computes the window's stats exactly as `stats` prints them (the report shows the same
 * figures), hands them to `use` with the open source, then closes it.
 */
export async function withStatsWindow<T>(args: StatsWindowArgs, io: CliIo, use: (window: StatsWindow) => Promise<T>): Promise<T> {
  const now = new Date();
  const { since, until } = parseTimeWindow(args, now);
  const repos = parseRepos(args.repo);
  const config = loadConfig(io.env);
  const agents = await loadAgentLogins(config, args["repo-config"]);
  const unreadable = new UnreadableLines();
  const source = openPointSource(config, args.from, unreadable.skipped);
  try {
    const range: ReadRange = { until, repos: repos.length ? repos : undefined, measurements: ["pr_observation", "action_taken", "outcome"] };
    const stats = await computeStats(source.read(range), { since, until, unreadable, agents });
    return await use({ stats, source, range, since, until, now, repos, skipped: unreadable.count });
  } finally {
    unreadable.close();
    await source.close();
  }
}

import type { Logger, ProbotOctokit } from "probot";
import { formatBackfillSummary } from "../../backfill/backfill-summary.js";
import { runBackfill, type BackfillProgress } from "../../backfill/run-backfill.js";
import { loadConfig } from "../../config.js";
import { parseTimeArg } from "../../dataset/parse-time-arg.js";
import { InputError } from "../../errors.js";
import { RepoConfigCache } from "../../repo-config/repo-config-cache.js";
import { openStore } from "../../store/open-store.js";
import type { CliIo } from "../cli-io.js";
import { cliLog } from "../cli-log.js";
import { closeStoreAtExit } from "../close-store-at-exit.js";
import { cliTargets } from "../cli-targets.js";
import type { CliCommand } from "../command.js";

export interface BackfillArgs {
  repo?: string[] | undefined;
  installation?: number | undefined;
  since?: string | undefined;
  until?: string | undefined;
  state?: "closed" | "open" | "all" | undefined;
  dryRun?: boolean | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

/** What tests replace: the octokit class, the log, the store opener, the clock. */
export interface BackfillCommandDeps {
  Octokit?: typeof ProbotOctokit;
  log?: Logger;
  open?: typeof openStore;
  now?: () => Date;
}

const STATES: Record<string, string[]> = { closed: ["CLOSED", "MERGED"], open: ["OPEN"], all: ["OPEN", "CLOSED", "MERGED"] };

/** `pr-telemetry backfill`: rebuilds past pull-request lifecycles from GitHub's timelines into the store. */
export function backfillCommand(deps: BackfillCommandDeps = {}): CliCommand {
  return {
    command: "backfill",
    describe: "Rebuild past pull requests' observations, outcomes and orchestrator actions from GitHub's timelines",
    builder: (yargs) =>
      yargs
        .option("repo", { type: "string", array: true, describe: "owner/name to backfill (repeatable; required with GITHUB_TOKEN)" })
        .option("installation", { type: "number", describe: "Only this installation of the app (its id)" })
        .option("since", { type: "string", default: "180d", describe: "Earliest time: a duration back (180d, 12h, 2w) or a date (2026-01-31, ISO-8601)" })
        .option("until", { type: "string", describe: "Latest time (default: now), same forms as --since" })
        .option("state", { choices: ["closed", "open", "all"] as const, default: "closed" as const, describe: "Which pull requests: closed (and merged), open, or all" })
        .option("dry-run", { type: "boolean", default: false, describe: "Read GitHub and the store, write nothing (no checkpoint either)" })
        .option("json", { type: "boolean", default: false, describe: "Print the summary as JSON" })
        .option("verbose", { type: "boolean", default: false, describe: "Log what the backfill does (stderr)" }),
    handler: (args: BackfillArgs, io: CliIo) => backfillHandler(args, io, deps),
  };
}

export const backfill: CliCommand = backfillCommand();

async function backfillHandler(args: BackfillArgs, io: CliIo, deps: BackfillCommandDeps): Promise<void> {
  const config = loadConfig(io.env);
  const now = (deps.now ?? (() => new Date()))();
  const since = parseTimeArg(args.since ?? "180d", "since", now);
  const until = args.until === undefined ? now : parseTimeArg(args.until, "until", now);
  if (since > until) throw new InputError(`--since (${since.toISOString()}) is after --until (${until.toISOString()})`, "since");
  const log = deps.log ?? cliLog(io, args.verbose ? "debug" : "warn");
  for (const warning of config.warnings) log.warn(warning);
  const { targets, setupRequests, setupFailures } = await cliTargets(config, log, args, "backfill", deps.Octokit);

  const store = await (deps.open ?? openStore)(config, log);
  const bar = progressRenderer(io);
  let summary;
  try {
    summary = await runBackfill({
      targets,
      store,
      repoConfigs: new RepoConfigCache(config.configCacheMs),
      orchestratorLogins: config.orchestratorLogins,
      dataDir: config.dataDir,
      log,
      since,
      until,
      states: STATES[args.state ?? "closed"]!,
      dryRun: args.dryRun ?? false,
      setupRequests,
      setupFailures,
      onProgress: bar.update,
    });
  } finally {
    bar.end();
    await closeStoreAtExit(store, config, io);
  }
  io.stdout(args.json ? JSON.stringify(summary, null, 2) + "\n" : formatBackfillSummary(summary));
  if (summary.stoppedEarly) io.stderr(`pr-telemetry: backfill stopped early: ${summary.stoppedEarly}\n`);
  for (const failure of summary.failures) io.stderr(`pr-telemetry: ${failure.repo} failed: ${failure.reason}\n`);
  if (summary.failures.length || summary.stoppedEarly) io.exitCode = 1;
}

/** A progress bar on a terminal (stderr, redrawn in place), plain lines otherwise. */
function progressRenderer(io: CliIo): { update: (p: BackfillProgress) => void; end: () => void } {
  let drawn = false;
  let lastLine = "";
  return {
    update(p) {
      const budget = p.budgetLeft === null ? "?" : String(p.budgetLeft);
      if (io.isTTY) {
        const width = Math.max(10, Math.min(30, (io.columns ?? 80) - 70));
        const filled = p.prsFound ? Math.round((p.prsDone / p.prsFound) * width) : p.status === "reading" ? 0 : width;
        io.stderr(`\r\x1b[2Kbackfill ${p.repo} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.prsDone}/${p.prsFound} PRs, ${p.pointsWritten} points, budget ${budget}`);
        drawn = true;
        return;
      }
      const line = `${p.status} ${p.repo}: ${p.prsDone}/${p.prsFound} PRs, ${p.pointsWritten} points written, GitHub budget ${budget}${p.reason ? ` (${p.reason})` : ""}`;
      // Plain lines: one per change, not per batch of the same count.
      if (line !== lastLine) io.stderr(line + "\n");
      lastLine = line;
    },
    end() {
      if (drawn) io.stderr("\n");
    },
  };
}

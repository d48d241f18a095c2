import type { Logger, ProbotOctokit } from "probot";
import { createAttemptCounters, type AttemptSource } from "../../actions/attempt-counters.js";
import { loadConfig } from "../../config.js";
import { InputError } from "../../errors.js";
import { RepoConfigCache } from "../../repo-config/repo-config-cache.js";
import { openStore } from "../../store/open-store.js";
import { runSweep, type SweepProgress } from "../../sweep/run-sweep.js";
import { formatSweepSummary } from "../../sweep/sweep-summary.js";
import type { CliIo } from "../cli-io.js";
import { cliLog } from "../cli-log.js";
import { cliTargets } from "../cli-targets.js";
import { closeStoreAtExit } from "../close-store-at-exit.js";
import type { CliCommand } from "../command.js";

export interface SweepArgs {
  repo?: string[] | undefined;
  installation?: number | undefined;
  dryRun?: boolean | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
  lookbackDays?: number | undefined;
}

/** What tests replace: the octokit class (retries and throttling off) and the attempt source. */
export interface SweepCommandDeps {
  Octokit?: typeof ProbotOctokit;
  attempts?: AttemptSource;
  log?: Logger;
  /** Opens the store (tests pass one whose InfluxDB backlog does not drain). */
  open?: typeof openStore;
}

/** `pr-telemetry sweep`: one sweep now, as the app (every installation) or with GITHUB_TOKEN (named repositories). */
export function sweepCommand(deps: SweepCommandDeps = {}): CliCommand {
  return {
    command: "sweep",
    describe: "Observe every open pull request now and fill in the closes the webhooks missed",
    builder: (yargs) =>
      yargs
        .option("repo", { type: "string", array: true, describe: "owner/name to sweep (repeatable; required with GITHUB_TOKEN)" })
        .option("installation", { type: "number", describe: "Only this installation of the app (its id)" })
        .option("dry-run", { type: "boolean", default: false, describe: "Read GitHub and the store, write nothing" })
        .option("json", { type: "boolean", default: false, describe: "Print the summary as JSON" })
        .option("lookback-days", { type: "number", default: 7, describe: "How far back the store is read to find closes the webhooks missed" })
        .option("verbose", { type: "boolean", default: false, describe: "Log what the sweep does (stderr)" }),
    handler: (args: SweepArgs, io: CliIo) => sweepHandler(args, io, deps),
  };
}

export const sweep: CliCommand = sweepCommand();

async function sweepHandler(args: SweepArgs, io: CliIo, deps: SweepCommandDeps): Promise<void> {
  const config = loadConfig(io.env);
  if (args.lookbackDays !== undefined && !(args.lookbackDays > 0)) {
    throw new InputError(`--lookback-days must be a number of days above 0; got "${args.lookbackDays}"`, "lookback-days");
  }
  const log = deps.log ?? cliLog(io, args.verbose ? "debug" : "warn");
  for (const warning of config.warnings) log.warn(warning);
  const { targets, setupRequests, setupFailures } = await cliTargets(config, log, args, "sweep", deps.Octokit);

  const store = await (deps.open ?? openStore)(config, log);
  const repoConfigs = new RepoConfigCache(config.configCacheMs);
  const bar = progressRenderer(io);
  let summary;
  try {
    summary = await runSweep({
      targets,
      store,
      attempts: deps.attempts ?? (await createAttemptCounters(store, log)),
      repoConfigs: repoConfigs,
      log,
      dryRun: args.dryRun ?? false,
      lookbackDays: args.lookbackDays ?? 7,
      runnerIntervalMinutes: config.sweepIntervalMinutes || 15,
      setupRequests,
      setupFailures,
      onProgress: bar.update,
    });
  } finally {
    bar.end();
    await closeStoreAtExit(store, config, io);
  }

  io.stdout(args.json ? JSON.stringify(summary, null, 2) + "\n" : formatSweepSummary(summary));
  if (summary.stoppedEarly) io.stderr(`pr-telemetry: sweep stopped early: ${summary.stoppedEarly}\n`);
  for (const failure of summary.failures) io.stderr(`pr-telemetry: ${failure.repo} failed: ${failure.reason}\n`);
  if (summary.failures.length) io.exitCode = 1;
}

/** A progress bar on a terminal (stderr, redrawn in place), plain lines otherwise. */
function progressRenderer(io: CliIo): { update: (p: SweepProgress) => void; end: () => void } {
  let drawn = false;
  return {
    update(p) {
      if (io.isTTY) {
        const width = Math.max(10, Math.min(30, (io.columns ?? 80) - 50));
        const filled = p.total ? Math.round((p.done / p.total) * width) : width;
        io.stderr(`\r\x1b[2Ksweep [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} ${p.repo}`);
        drawn = true;
        return;
      }
      const detail = p.status === "swept" ? `${p.openPrs ?? 0} open PRs${p.reason ? ` (${p.reason})` : ""}` : (p.reason ?? "");
      io.stderr(`[${p.done}/${p.total}] ${p.status} ${p.repo}: ${detail}\n`);
    },
    end() {
      if (drawn) io.stderr("\n");
    },
  };
}

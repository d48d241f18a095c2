import type { Logger, ProbotOctokit } from "probot";
import { createAttemptCounters, type AttemptSource } from "../../actions/attempt-counters.js";
import { loadConfig } from "../../config.js";
import { InputError } from "../../errors.js";
import { cliGitHub } from "../../github/github-auth.js";
import { REPO_NAME } from "../../github/repo-name.js";
import { RepoConfigCache } from "../../repo-config/repo-config-cache.js";
import { openStore } from "../../store/open-store.js";
import { toGitHubError } from "../../github/describe-github-failure.js";
import { installationTargets } from "../../sweep/installation-targets.js";
import { runSweep, type SweepProgress, type SweepTarget } from "../../sweep/run-sweep.js";
import { formatSweepSummary, type SweepFailure } from "../../sweep/sweep-summary.js";
import type { CliIo } from "../cli-io.js";
import { cliLog } from "../cli-log.js";
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
  const repos = args.repo ?? [];
  for (const repo of repos) {
    if (!REPO_NAME.test(repo)) throw new InputError(`--repo must be owner/name, e.g. dappcore/core; got "${repo}"`, "repo");
  }
  if (args.installation !== undefined && (!Number.isInteger(args.installation) || args.installation <= 0)) {
    throw new InputError(`--installation must be an installation id (a positive whole number); got "${args.installation}"`, "installation");
  }
  if (args.lookbackDays !== undefined && !(args.lookbackDays > 0)) {
    throw new InputError(`--lookback-days must be a number of days above 0; got "${args.lookbackDays}"`, "lookback-days");
  }
  const log = deps.log ?? cliLog(io, args.verbose ? "debug" : "warn");
  for (const warning of config.warnings) log.warn(warning);
  const github = cliGitHub(config, log, deps.Octokit);

  let targets: SweepTarget[];
  let setupRequests = 0;
  let setupFailures: SweepFailure[] = [];
  if (github.mode === "token") {
    if (!repos.length) {
      throw new InputError(
        "GITHUB_TOKEN cannot list an app's installations: name each repository with --repo owner/name, or set APP_ID and PRIVATE_KEY to sweep every installation",
        "repo",
      );
    }
    if (args.installation !== undefined) {
      throw new InputError("--installation needs the app's credentials (APP_ID and PRIVATE_KEY); with GITHUB_TOKEN name the repositories with --repo", "installation");
    }
    targets = [{ name: "GITHUB_TOKEN", octokit: await github.probot.auth(), repos }];
  } else {
    let found: Awaited<ReturnType<typeof installationTargets>>;
    try {
      found = await installationTargets((id) => github.probot.auth(id), log, { installationId: args.installation, repos });
    } catch (error) {
      throw toGitHubError(error, [], "could not list the app's installations");
    }
    targets = found.targets;
    setupRequests = found.requests;
    setupFailures = found.failures;
  }

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
    const { backlog } = await store.drain(config.shutdownGraceMs).catch(() => ({ backlog: -1 }));
    await store.close();
    if (backlog !== 0) {
      io.stderr(
        `pr-telemetry: ${backlog < 0 ? "the store could not be drained" : `${backlog} point(s) did not reach InfluxDB before the exit`}; they stay in the journal (${config.journalDir}) and go with the next run\n`,
      );
      io.exitCode = 1;
    }
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

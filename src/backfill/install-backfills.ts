import type { Logger, ProbotOctokit } from "probot";
import type { Runtime } from "../runtime.js";
import { runBackfill } from "./run-backfill.js";
import { yieldToLive, type LiveBusy } from "./yield-to-live.js";

/** What an install backfill needs from the running app. */
export interface InstallBackfillsOptions {
  runtime: Pick<Runtime, "config" | "store" | "repoConfigs" | "log">;
  /** Probot's `app.auth`: an installation's octokit. */
  auth: (installationId: number) => Promise<ProbotOctokit>;
  /** Whether live capture has work waiting (the observer's pending work). */
  busy: LiveBusy;
  /** Poll interval of the gate (tests shorten it). */
  pollMs?: number;
  /** Hears the PRs found and done over the repositories of the running backfill (the /metrics gauges). */
  onProgress?: ((progress: { prsFound: number; prsDone: number }) => void) | undefined;
}

/**
 * The background backfills started by `installation.created` and `installation_repositories.added`:
 * the new repositories' last BACKFILL_ON_INSTALL_DAYS days, closed and open PRs. One backfill at a
 * time (queued), one GitHub request at a time, each waiting while live capture has work
 * (yieldToLive), so the installation's budget goes to live webhooks first. Stopped at shutdown;
 * an interrupted backfill goes on from its checkpoints at the next install event or with
 * `pr-telemetry backfill`.
 */
export class InstallBackfills {
  #queue: Promise<void> = Promise.resolve();
  #abort = new AbortController();
  #running = 0;

  constructor(private readonly options: InstallBackfillsOptions) {}

  /** Backfills still queued or running. */
  get pending(): number {
    return this.#running;
  }

  /** Queues a backfill of `repos` (owner/name) of the installation; nothing when BACKFILL_ON_INSTALL_DAYS is 0. */
  start(installationId: number, repos: readonly string[], log: Logger = this.options.runtime.log): void {
    const days = this.options.runtime.config.backfillOnInstallDays;
    if (days <= 0 || repos.length === 0 || this.#abort.signal.aborted) return;
    this.#running++;
    this.#queue = this.#queue
      // Queued before a shutdown: left for the next install event or `pr-telemetry backfill`.
      .then(() => (this.#abort.signal.aborted ? undefined : this.#run(installationId, [...repos], days, log)))
      .catch((err: Error) => log.warn({ installation: installationId, err: err.message }, "install backfill failed; run pr-telemetry backfill to retry it"))
      .finally(() => void this.#running--);
  }

  /** Stops the running backfill at its next request; resolves when it has stopped, or after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#abort.abort();
    await Promise.race([this.#queue, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref?.())]);
  }

  async #run(installationId: number, repos: string[], days: number, log: Logger): Promise<void> {
    const { runtime } = this.options;
    const until = new Date();
    const since = new Date(until.getTime() - days * 86_400_000);
    log.info({ installation: installationId, repos: repos.length, days }, "install backfill: starting (behind live capture)");
    const octokit = await this.options.auth(installationId);
    const perRepo = new Map<string, { prsFound: number; prsDone: number }>();
    const summary = await runBackfill({
      targets: [{ name: `installation ${installationId}`, octokit, repos }],
      store: runtime.store,
      repoConfigs: runtime.repoConfigs,
      orchestratorLogins: runtime.config.orchestratorLogins,
      dataDir: runtime.config.dataDir,
      log,
      since,
      until,
      states: ["OPEN", "CLOSED", "MERGED"],
      beforeRequest: yieldToLive(this.options.busy, { pollMs: this.options.pollMs, signal: this.#abort.signal }),
      signal: this.#abort.signal,
      onProgress: (p) => {
        perRepo.set(p.repo, { prsFound: p.prsFound, prsDone: p.prsDone });
        let prsFound = 0;
        let prsDone = 0;
        for (const r of perRepo.values()) (prsFound += r.prsFound), (prsDone += r.prsDone);
        this.options.onProgress?.({ prsFound, prsDone });
      },
    });
    const fields = { installation: installationId, repos: summary.repos, prs: summary.prsDone, observations: summary.observationsWritten, outcomes: summary.outcomesWritten, actions: summary.actionsWritten, requests: summary.githubRequests, failures: summary.failures };
    if (summary.stoppedEarly || summary.failures.length) log.warn({ ...fields, stoppedEarly: summary.stoppedEarly }, "install backfill: finished with gaps; run pr-telemetry backfill to complete it");
    else log.info(fields, "install backfill: done");
  }
}

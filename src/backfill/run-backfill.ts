import type { Logger } from "probot";
import type { RecordedAction } from "../actions/attempt-counters.js";
import { countRequests } from "../github/count-requests.js";
import { describeGitHubFailure } from "../github/describe-github-failure.js";
import { fetchHistories, listPullRequests, type ListedPullRequest } from "../github/fetch-histories.js";
import { graphqlClient, type GraphqlFn, type GraphqlRateLimit } from "../github/graphql-client.js";
import { listInstallationRepos } from "../github/list-installation-repos.js";
import { HISTORIES_PER_QUERY } from "../github/queries/pull-request-history.js";
import { readRepoConfig } from "../github/read-repo-config.js";
import { withRetryAfter } from "../github/with-retry-after.js";
import type { RepoConfigCache } from "../repo-config/repo-config-cache.js";
import type { TelemetryStore } from "../store/open-store.js";
import { pointKey, type Point } from "../store/point.js";
import type { SweepTarget } from "../sweep/run-sweep.js";
import { isDone, readCheckpoint, writeCheckpoint, type BackfillCheckpoint } from "./backfill-checkpoint.js";
import type { BackfillSummary } from "./backfill-summary.js";
import { historyPoints } from "./history-points.js";

/** What the backfill tells its caller as it goes (the CLI's bar or lines). */
export interface BackfillProgress {
  repo: string;
  prsFound: number;
  prsDone: number;
  pointsWritten: number;
  budgetLeft: number | null;
  /** "reading" while a repository is under way, then "done", "failed" (with reason) or "stopped". */
  status: "reading" | "done" | "failed" | "stopped";
  reason?: string | undefined;
}

export interface RunBackfillOptions {
  targets: SweepTarget[];
  store: Pick<TelemetryStore, "write" | "read">;
  /** Where repositories' pr-telemetry.yml settings are cached. */
  repoConfigs: Pick<RepoConfigCache, "get">;
  /** ORCHESTRATOR_LOGINS. */
  orchestratorLogins: readonly string[];
  /** DATA_DIR: checkpoints go to DATA_DIR/backfill. */
  dataDir: string;
  log: Logger;
  since: Date;
  until: Date;
  /** GitHub's PullRequestState values to read (closed: CLOSED and MERGED). */
  states: readonly string[];
  dryRun?: boolean | undefined;
  /** Stop when GitHub's GraphQL budget falls below this many points (default 200). */
  safetyMargin?: number | undefined;
  /** Waited before each GitHub request: the on-install run yields to live capture with it (yieldToLive). */
  beforeRequest?: (() => Promise<void>) | undefined;
  /** Setup requests and failures (installation listing) to add to the summary. */
  setupRequests?: number | undefined;
  setupFailures?: BackfillSummary["failures"] | undefined;
  perQuery?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: BackfillProgress) => void) | undefined;
  now?: (() => Date) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/**
 * Backfills every repository of every target: lists the pull requests updated in the window,
 * reads their histories (ten a request), turns each into points (historyPoints: the live path's
 * functions) and writes the ones the store does not have yet, checkpointing each batch. A failing
 * repository is recorded and the others go on; the budget falling under the safety margin stops
 * the run with a message saying when to run it again (the checkpoint carries on from there).
 */
export async function runBackfill(options: RunBackfillOptions): Promise<BackfillSummary> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const margin = options.safetyMargin ?? 200;
  const summary: BackfillSummary = {
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    dryRun: options.dryRun ?? false,
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    repos: 0,
    prsFound: 0,
    prsDone: 0,
    prsSkipped: 0,
    observationsWritten: 0,
    outcomesWritten: 0,
    actionsWritten: 0,
    pointsAlreadyStored: 0,
    githubRequests: options.setupRequests ?? 0,
    rateLimitRemaining: null,
    failures: [...(options.setupFailures ?? [])],
  };
  const stopCounting = options.targets.map((t) => countRequests(t.octokit, () => void summary.githubRequests++));
  let rateLimit: GraphqlRateLimit | undefined;
  const onRateLimit = (rl: GraphqlRateLimit) => {
    rateLimit = rl;
    summary.rateLimitRemaining = summary.rateLimitRemaining === null ? rl.remaining : Math.min(summary.rateLimitRemaining, rl.remaining);
  };
  // Set when a request is refused for the budget; the wrapper's error wording must not hide it.
  let budgetStop: string | undefined;
  const written = () => summary.observationsWritten + summary.outcomesWritten + summary.actionsWritten;
  try {
    for (const target of options.targets) {
      const rawGraphql = target.octokit.graphql as unknown as GraphqlFn;
      const gated: GraphqlFn = async (query, variables) => {
        await options.beforeRequest?.();
        // Each target's budget is its own: the margin is checked before every request.
        if (rateLimit && rateLimit.remaining < margin) {
          budgetStop = budgetMessage(target.name, rateLimit, margin);
          throw new Error(budgetStop);
        }
        return rawGraphql(query, variables);
      };
      const github = graphqlClient(gated, { retryAfter: { log: options.log, sleep: options.sleep, signal: options.signal }, next: "run the backfill again to retry it" });
      rateLimit = undefined;
      let repos = target.repos;
      if (!repos) {
        try {
          await options.beforeRequest?.();
          repos = (await withRetryAfter(() => listInstallationRepos(target.octokit), { log: options.log, sleep: options.sleep, signal: options.signal })).repos;
        } catch (error) {
          summary.failures.push({ repo: target.name, reason: `could not list its repositories: ${describeGitHubFailure(error, "run the backfill again")}` });
          continue;
        }
      }
      for (const repo of repos) {
        if (options.signal?.aborted) {
          summary.stoppedEarly = `stopped before ${repo}: shutting down; run the same backfill again to go on from the checkpoints in ${options.dataDir}/backfill`;
          break;
        }
        const progress = { repo, prsFound: 0, prsDone: 0 };
        const tell = (status: BackfillProgress["status"], reason?: string) =>
          options.onProgress?.({ ...progress, pointsWritten: written(), budgetLeft: rateLimit?.remaining ?? null, status, reason });
        try {
          await backfillRepo({ repo, github, target, options, summary, progress, tell, onRateLimit });
          summary.repos++;
          tell("done");
        } catch (error) {
          if (budgetStop) {
            summary.stoppedEarly = budgetStop;
            tell("stopped", summary.stoppedEarly);
            break;
          }
          const reason = describeGitHubFailure(error, "run the backfill again to retry it");
          options.log.warn({ repo, reason }, "backfill: repository failed; the others go on");
          summary.failures.push({ repo, reason });
          tell("failed", reason);
        }
      }
      if (summary.stoppedEarly) break;
    }
  } finally {
    for (const stop of stopCounting) stop();
  }
  summary.durationMs = now().getTime() - startedAt.getTime();
  return summary;
}

function budgetMessage(target: string, rl: GraphqlRateLimit, margin: number): string {
  return `${target}: GitHub's GraphQL budget is down to ${rl.remaining} points (safety margin ${margin}); it resets at ${rl.resetAt}: run the same backfill again after that, it goes on from its checkpoints`;
}

interface RepoRun {
  repo: string;
  github: ReturnType<typeof graphqlClient>;
  target: SweepTarget;
  options: RunBackfillOptions;
  summary: BackfillSummary;
  progress: { prsFound: number; prsDone: number };
  tell: (status: BackfillProgress["status"], reason?: string) => void;
  onRateLimit: (rl: GraphqlRateLimit) => void;
}

async function backfillRepo(run: RepoRun): Promise<void> {
  const { repo, github, options, summary, progress, tell, onRateLimit } = run;
  const settings = await options.repoConfigs.get(
    repo,
    async () => {
      await options.beforeRequest?.();
      return readRepoConfig(run.target.octokit, repo);
    },
    options.log,
  );
  if (!settings.enabled) {
    options.log.info({ repo }, "backfill: the repository disabled pr-telemetry (.github/pr-telemetry.yml); skipped");
    return;
  }
  tell("reading");
  const listed = await listPullRequests(github, repo, { since: options.since, until: options.until, states: options.states, onRateLimit });
  progress.prsFound = listed.length;
  summary.prsFound += listed.length;
  const checkpoint: BackfillCheckpoint = (await readCheckpoint(options.dataDir, repo)) ?? { since: options.since.toISOString(), states: [...options.states], done: {} };
  const previous = structuredClone(checkpoint);
  const todo: ListedPullRequest[] = [];
  for (const pr of listed) {
    if (isDone(previous, options.since, options.states, pr.number, pr.updatedAt)) {
      progress.prsDone++;
      summary.prsSkipped++;
    } else todo.push(pr);
  }
  // A checkpoint for a shorter window cannot be carried on: this run's window replaces it.
  if (Date.parse(checkpoint.since) > options.since.getTime()) {
    checkpoint.since = options.since.toISOString();
    checkpoint.states = [...options.states];
    checkpoint.done = {};
  }
  tell("reading");
  if (todo.length === 0) return;

  const stored = await storedPoints(options.store, repo);
  const orchestrators = new Set([...options.orchestratorLogins, ...settings.orchestrators].map((l) => l.toLowerCase()));
  const perQuery = options.perQuery ?? HISTORIES_PER_QUERY;
  for (let i = 0; i < todo.length; i += perQuery) {
    const batch = todo.slice(i, i + perQuery);
    const histories = await fetchHistories(github, repo, batch.map((p) => p.number), { onRateLimit, perQuery });
    const points: Point[] = [];
    for (const pr of batch) {
      const history = histories.get(pr.number);
      if (history) {
        const built = historyPoints(history, {
          since: options.since,
          until: options.until,
          orchestrators,
          actionPatterns: settings.action_patterns,
          storedActions: stored.actions.get(pr.number) ?? [],
          log: options.log,
        });
        const firstLive = stored.firstLive.get(pr.number);
        const candidates = [
          ...beforeLive(built.observations, firstLive),
          ...built.outcomes,
          ...built.actions,
        ];
        for (const p of candidates) {
          const key = pointKey(p);
          if (stored.keys.has(key)) {
            summary.pointsAlreadyStored++;
            continue;
          }
          stored.keys.add(key);
          points.push(p);
          if (p.measurement === "pr_observation") summary.observationsWritten++;
          else if (p.measurement === "outcome") summary.outcomesWritten++;
          else summary.actionsWritten++;
        }
      }
      checkpoint.done[String(pr.number)] = pr.updatedAt;
    }
    if (!options.dryRun) {
      // Journal first (the store's write), then the checkpoint: a kill between them redoes the batch, and dedup keeps it harmless.
      if (points.length) await options.store.write(points);
      await writeCheckpoint(options.dataDir, repo, checkpoint);
    }
    progress.prsDone += batch.length;
    summary.prsDone += batch.length;
    tell("reading");
  }
}

/**
 * The reconstructed observations live capture does not cover: live observations cover the PR
 * from their first on, so only states that had ended before it are kept (an observation whose
 * next change came at or before the first live observation's second; GitHub's times have whole
 * seconds). Without live observations, all.
 */
export function beforeLive(observations: readonly Point[], firstLive: number | undefined): Point[] {
  if (firstLive === undefined) return [...observations];
  const liveSecond = Math.floor(firstLive / 1000) * 1000;
  return observations.filter((_, i) => {
    const next = observations[i + 1];
    return next !== undefined && next.time.getTime() <= liveSecond;
  });
}

/** What the store has for the repository: every point identity, each PR's actions and first live observation. */
async function storedPoints(
  store: Pick<TelemetryStore, "read">,
  repo: string,
): Promise<{ keys: Set<string>; actions: Map<number, RecordedAction[]>; firstLive: Map<number, number> }> {
  const keys = new Set<string>();
  const actions = new Map<number, RecordedAction[]>();
  const firstLive = new Map<number, number>();
  for await (const p of store.read({ repos: [repo], measurements: ["pr_observation", "outcome", "action_taken"] })) {
    keys.add(pointKey(p));
    const pr = Number(p.tags.pr);
    if (p.measurement === "action_taken" && p.fields.source !== "backfill") {
      actions.set(pr, [...(actions.get(pr) ?? []), { action: String(p.fields.action), source: String(p.fields.source), time: p.time.getTime() }]);
    }
    if (p.measurement === "pr_observation" && p.fields.reconstructed !== true) {
      const t = p.time.getTime();
      if (!firstLive.has(pr) || t < firstLive.get(pr)!) firstLive.set(pr, t);
    }
  }
  return { keys, actions, firstLive };
}

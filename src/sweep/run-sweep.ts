import type { Logger, ProbotOctokit } from "probot";
import type { AttemptSource } from "../actions/attempt-counters.js";
import { completeSnapshot } from "../github/fetch-snapshots.js";
import { isHostUnreachable, networkFailure } from "../github/network-failure.js";
import type { PullRequestSnapshot } from "../github/pr-snapshot.js";
import { closeOutcome } from "../outcomes/close-outcome.js";
import type { RepoConfigCache } from "../repo-config/repo-config-cache.js";
import { observationPoint } from "../pipeline/observation-point.js";
import type { Point } from "../store/point.js";
import type { TelemetryStore } from "../store/open-store.js";
import {
  buildClosedPullRequestsQuery,
  CLOSED_PULL_REQUESTS_PER_QUERY,
  closedPullRequestFromNode,
  type ClosedPullRequestsAnswer,
} from "./closed-pull-requests-query.js";
import { describeGitHubFailure, statusOf } from "./github-failure.js";
import {
  OPEN_PULL_REQUESTS_PAGE_SIZE,
  OPEN_PULL_REQUESTS_QUERY,
  type GraphqlRateLimit,
  type OpenPullRequestsPage,
} from "./open-pull-requests-query.js";
import { splitRepo } from "./read-repo-config.js";
import { batchedConfigReaders } from "./repo-configs-query.js";
import { repoKey, type StoreIndex, type StoredRepository } from "./store-index.js";
import { SweepMemory } from "./sweep-memory.js";
import { sweepDue } from "./sweep-due.js";
import type { SweepFailure, SweepSummary } from "./sweep-summary.js";
import { gapFillCandidates, missedByWebhooks, outcomeRecorded } from "./webhook-gaps.js";
import { withRetryAfter } from "./with-retry-after.js";

/** One authenticated client and what it sweeps: an installation, or a GITHUB_TOKEN. */
export interface SweepTarget {
  /** For messages: "installation 42 (octo-org)", "GITHUB_TOKEN". */
  name: string;
  octokit: ProbotOctokit;
  /** `owner/name` of each repository; undefined: every repository the installation can see. */
  repos?: string[] | undefined;
}

/** Progress after each repository, for the CLI's bar or lines. */
export interface SweepProgress {
  done: number;
  total: number;
  repo: string;
  /** "swept" with its open PRs, "skipped" or "failed" with the reason. */
  status: "swept" | "skipped" | "failed";
  openPrs?: number | undefined;
  reason?: string | undefined;
}

export interface RunSweepOptions {
  targets: SweepTarget[];
  store: Pick<TelemetryStore, "write" | "read">;
  attempts: AttemptSource;
  /** Where repositories' pr-telemetry.yml settings are cached (runtime.repoConfigs in the app). */
  repoConfigs: Pick<RepoConfigCache, "get">;
  log: Logger;
  now?: () => Date;
  /** Read GitHub and the store, write nothing. */
  dryRun?: boolean;
  /** Stop a target when its GraphQL budget falls below this many points (default 200). */
  safetyMargin?: number;
  /** How often the runner sweeps (scheduler interval or the workflow's cron), for per-repo cadence. */
  runnerIntervalMinutes?: number;
  /** Last sweep per repository key the caller remembers (the scheduler's), besides the store's. */
  lastSweptAt?: Map<string, Date>;
  /** What the sweep knows from the store, kept between sweeps (the scheduler's); a fresh one otherwise. */
  memory?: SweepMemory;
  /** How far back a fresh memory reads the store (default 7 days). */
  lookbackDays?: number;
  /** A change younger than this is not counted as missed by webhooks (default 5 min). */
  missedGraceMs?: number;
  pageSize?: number;
  /** Requests already spent finding the targets (installation listing), added to the summary. */
  setupRequests?: number;
  /** Failures found while finding the targets (a named repository the app cannot reach). */
  setupFailures?: SweepFailure[];
  signal?: AbortSignal | undefined;
  onProgress?: (progress: SweepProgress) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Smallest page the sweep falls back to when GitHub keeps timing out. */
const MIN_PAGE_SIZE = 10;

/** A repository stopped before its end because the budget ran low: its open list is partial. */
class BudgetStop extends Error {}

interface TargetState {
  target: SweepTarget;
  rateLimit?: GraphqlRateLimit | undefined;
}

/**
 * Sweeps every repository of every target: one `pr_observation` (trigger `sweep`) per open pull
 * request, listed with all its signals 50 a request; then the gap-fill: pull requests the store
 * shows open that are no longer open get their outcome (closeOutcome, same point time as the close
 * handler, so the two never double it) and a final observation. A failing repository is
 * recorded and the others go on; a target whose GraphQL budget falls below the safety margin
 * stops and says so.
 */
export async function runSweep(options: RunSweepOptions): Promise<SweepSummary> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const log = options.log;
  const safetyMargin = options.safetyMargin ?? 200;
  const summary: SweepSummary = {
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    dryRun: options.dryRun ?? false,
    repos: 0,
    skipped: [],
    openPrs: 0,
    observationsWritten: 0,
    outcomesFilled: 0,
    observationsFilled: 0,
    githubRequests: options.setupRequests ?? 0,
    rateLimitRemaining: null,
    failures: [...(options.setupFailures ?? [])],
  };
  const stops: string[] = [];
  // Every request through each target's octokit counts once (this hook wraps the retry and
  // throttling plugins, so a retried call is one); removed at the end, octokits may be reused.
  const count = () => {
    summary.githubRequests++;
  };
  for (const t of options.targets) t.octokit.hook.before("request", count);
  try {
    // 1. Which repositories: named, or listed per installation.
    const plan: Array<{ state: TargetState; repos: string[] }> = [];
    for (const target of options.targets) {
      try {
        let repos = target.repos;
        if (!repos) {
          const listed = await withRetryAfter(() => listRepos(target, log), { log, sleep: options.sleep, signal: options.signal });
          for (const repo of listed.archived) summary.skipped.push({ repo, reason: "archived" });
          repos = listed.repos;
        }
        plan.push({ state: { target }, repos });
      } catch (error) {
        summary.failures.push({ repo: target.name, reason: `could not list its repositories: ${describeGitHubFailure(error)}` });
      }
    }
    const total = plan.reduce((n, p) => n + p.repos.length, 0);
    let done = 0;
    const progress = (p: Omit<SweepProgress, "done" | "total">) => options.onProgress?.({ done: ++done, total, ...p });

    // 2. What the store knows: one read for every repository of this sweep.
    const wanted = new Set(plan.flatMap((p) => p.repos.map(repoKey)));
    const memory = options.memory ?? new SweepMemory(options.lookbackDays ?? 7, wanted);
    let index: StoreIndex | undefined;
    try {
      index = await memory.refresh(options.store, startedAt);
    } catch (error) {
      summary.failures.push({ repo: "(store)", reason: `could not read the store, so no gap-fill this time: ${(error as Error).message}` });
    }

    // 3. Each repository, one after the other: GitHub paces an installation's GraphQL calls anyway.
    for (const { state, repos } of plan) {
      const configReader = batchedConfigReaders(state.target.octokit, repos, (rateLimit) => {
        state.rateLimit = rateLimit;
      });
      // GitHub unreachable (a name that does not resolve, a refused connection): the target's other
      // repositories would each wait out the same retries, so they fail at once with the same reason.
      let unreachable: string | undefined;
      for (let i = 0; i < repos.length; i++) {
        const repo = repos[i]!;
        if (unreachable) {
          summary.failures.push({ repo, reason: unreachable });
          progress({ repo, status: "failed", reason: unreachable });
          continue;
        }
        if (options.signal?.aborted) {
          stops.push("shutting down");
          break;
        }
        const left = state.rateLimit?.remaining;
        if (left !== undefined && left < safetyMargin) {
          stops.push(budgetMessage(state, safetyMargin, repos.length - i));
          for (const rest of repos.slice(i)) {
            summary.skipped.push({ repo: rest, reason: "rate limit safety margin reached" });
            progress({ repo: rest, status: "skipped", reason: "rate limit safety margin reached" });
          }
          break;
        }
        try {
          // The config cache falls back to defaults when a read fails; a network failure must not
          // be hidden that way here, since the repository's pages would fail the same way.
          let readFailure: unknown;
          const read = configReader(repo);
          const config = await options.repoConfigs.get(
            repo,
            () =>
              read().catch((error: unknown) => {
                if (networkFailure(error)) readFailure = error;
                throw error;
              }),
            log,
          );
          if (readFailure) throw readFailure;
          const stored = index?.get(repoKey(repo));
          const remembered = options.lastSweptAt?.get(repoKey(repo));
          const last = latest(stored?.lastSweptAt, remembered);
          const decision = sweepDue(config, last, now(), options.runnerIntervalMinutes ?? 15);
          if (!decision.due) {
            summary.skipped.push({ repo, reason: decision.reason });
            progress({ repo, status: "skipped", reason: decision.reason });
            continue;
          }
          const openPrs = await sweepRepo(repo, state, stored, index !== undefined, summary, options, now, safetyMargin, memory);
          summary.repos++;
          options.lastSweptAt?.set(repoKey(repo), now());
          progress({ repo, status: "swept", openPrs });
        } catch (error) {
          if (error instanceof BudgetStop) {
            summary.repos++;
            stops.push(error.message);
            progress({ repo, status: "swept", reason: error.message });
            for (const rest of repos.slice(i + 1)) {
              summary.skipped.push({ repo: rest, reason: "rate limit safety margin reached" });
              progress({ repo: rest, status: "skipped", reason: "rate limit safety margin reached" });
            }
            break;
          }
          const reason = describeGitHubFailure(error);
          const network = networkFailure(error);
          if (network && isHostUnreachable(network)) unreachable = reason;
          log.warn({ repo, reason }, "sweep: repository failed; the others go on");
          summary.failures.push({ repo, reason });
          progress({ repo, status: "failed", reason });
        }
      }
      const remaining = state.rateLimit?.remaining;
      if (remaining !== undefined) {
        summary.rateLimitRemaining = summary.rateLimitRemaining === null ? remaining : Math.min(summary.rateLimitRemaining, remaining);
      }
      if (options.signal?.aborted) break;
    }
  } finally {
    for (const t of options.targets) t.octokit.hook.remove("request", count);
  }
  if (stops.length) summary.stoppedEarly = [...new Set(stops)].join("; ");
  summary.durationMs = now().getTime() - startedAt.getTime();
  return summary;
}

/** Every repository an installation can see (100 a page), archived ones left out. */
async function listRepos(target: SweepTarget, log: Logger): Promise<{ repos: string[]; archived: string[] }> {
  const octokit = target.octokit;
  const repos: string[] = [];
  const archived: string[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })) {
    for (const repo of page.data) {
      if (repo.archived) {
        archived.push(repo.full_name);
        continue;
      }
      repos.push(repo.full_name);
    }
  }
  log.debug({ target: target.name, repos: repos.length }, "sweep: repositories listed");
  return { repos, archived };
}

/** Lists one repository's open PRs, observes each, fills the closes the webhooks missed, writes. */
async function sweepRepo(
  repo: string,
  state: TargetState,
  stored: StoredRepository | undefined,
  haveIndex: boolean,
  summary: SweepSummary,
  options: RunSweepOptions,
  now: () => Date,
  safetyMargin: number,
  memory: SweepMemory,
): Promise<number> {
  const [owner, name] = splitRepo(repo);
  const octokit = state.target.octokit;
  const call = <T>(query: string, variables: Record<string, unknown>) =>
    withRetryAfter(() => octokit.graphql<T>(query, variables), { log: options.log, sleep: options.sleep, signal: options.signal });

  // Open pull requests, page by page; a 5xx halves the page (GitHub times out big queries).
  const snapshots: PullRequestSnapshot[] = [];
  let after: string | null = null;
  let pageSize = options.pageSize ?? OPEN_PULL_REQUESTS_PAGE_SIZE;
  let stopped: string | undefined;
  for (;;) {
    let page: OpenPullRequestsPage;
    try {
      page = await call<OpenPullRequestsPage>(OPEN_PULL_REQUESTS_QUERY, { owner, name, first: pageSize, after });
    } catch (error) {
      // A network failure is not GitHub timing out a big query: smaller pages would not help.
      if (statusOf(error) >= 500 && pageSize > MIN_PAGE_SIZE && !networkFailure(error)) {
        pageSize = Math.max(MIN_PAGE_SIZE, Math.floor(pageSize / 2));
        options.log.warn({ repo, pageSize }, "sweep: GitHub failed a page; asking again with smaller pages");
        continue;
      }
      throw error;
    }
    if (page.rateLimit) state.rateLimit = page.rateLimit;
    const connection = page.repository?.pullRequests;
    if (!connection) throw Object.assign(new Error(`${repo} not found`), { status: 404 });
    for (const node of connection.nodes ?? []) if (node) snapshots.push(node);
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) break;
    after = connection.pageInfo.endCursor;
    if (state.rateLimit && state.rateLimit.remaining < safetyMargin) {
      stopped = budgetMessage(state, safetyMargin, 0, repo);
      break;
    }
  }
  const complete = await completeConnections(octokit, owner, name, snapshots);

  // One observation per open PR, at the time the sweep saw it.
  const points: Point[] = [];
  const seenAt = now();
  for (const snapshot of complete) {
    const attempts = await options.attempts.get(repo, snapshot.number);
    const point = observationPoint(snapshot, seenAt, { trigger: "sweep", ...attempts });
    if (missedByWebhooks(stored, point, snapshot, seenAt, options.missedGraceMs ?? 5 * 60_000)) summary.observationsFilled++;
    points.push(point);
  }
  summary.openPrs += complete.length;

  // Gap-fill needs the whole open list (a partial list would make open PRs look closed) and the store.
  if (!stopped && haveIndex) {
    const open = new Set(complete.map((s) => s.number));
    const candidates = gapFillCandidates(stored, open);
    for (let i = 0; i < candidates.length; i += CLOSED_PULL_REQUESTS_PER_QUERY) {
      const chunk = candidates.slice(i, i + CLOSED_PULL_REQUESTS_PER_QUERY);
      const { query, variables } = buildClosedPullRequestsQuery(owner, name, chunk);
      const answer = await callAllowingNotFound<ClosedPullRequestsAnswer>(() => call(query, variables));
      if (answer.rateLimit) state.rateLimit = answer.rateLimit;
      for (let k = 0; k < chunk.length; k++) {
        const node = answer.repository?.[`p${k}`];
        if (!node) {
          options.log.info({ repo, pr: chunk[k] }, "sweep: a pull request the store shows open no longer exists on GitHub");
          continue;
        }
        const closed = closedPullRequestFromNode(node.repository.nameWithOwner, node);
        if (!closed) continue; // open again (the listing raced a reopen): observed next sweep
        const endedAt = closed.mergedAt ?? closed.closedAt;
        if (outcomeRecorded(stored, closed.number, endedAt)) continue;
        const [final] = await completeConnections(octokit, owner, name, [node]);
        const attempts = await options.attempts.get(repo, closed.number);
        points.push(closeOutcome(closed, { source: "sweep" }));
        // Observed now, as the close handler's final observation is: newer than every stored
        // observation of the PR (the close time may not be, with clocks apart), so the next sweep
        // finds it closed and asks nothing more.
        points.push(observationPoint(final!, seenAt, { trigger: "sweep", ...attempts }));
        summary.outcomesFilled++;
        options.log.info({ repo, pr: closed.number }, "sweep: filled an outcome the webhooks missed");
      }
    }
  }

  summary.observationsWritten += points.filter((p) => p.measurement === "pr_observation").length;
  if (!options.dryRun && points.length) {
    await options.store.write(points);
    memory.record(points);
  }
  if (stopped) throw new BudgetStop(stopped);
  return complete.length;
}

/**
 * Completes the few snapshots whose check contexts, review threads or reviews run past the
 * first 100 (completeSnapshot asks only for the missing pages), so counts are as complete as
 * the webhook path's; a PR within the first page costs nothing more.
 */
async function completeConnections(
  octokit: ProbotOctokit,
  owner: string,
  name: string,
  snapshots: PullRequestSnapshot[],
): Promise<PullRequestSnapshot[]> {
  const graphql = (query: string, variables?: Record<string, unknown>) => octokit.graphql(query, variables);
  const out: PullRequestSnapshot[] = [];
  for (const s of snapshots) out.push(await completeSnapshot(graphql, s, `${owner}/${name}#${s.number}`));
  return out;
}

/** GraphQL answers NOT_FOUND for a pull request that was deleted: keep the rest of the answer. */
async function callAllowingNotFound<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { errors?: Array<{ type?: string; path?: unknown[] }>; data?: T };
    if (Array.isArray(e.errors) && e.data && e.errors.every((x) => x.type === "NOT_FOUND" && (x.path?.length ?? 0) >= 2)) {
      return e.data;
    }
    throw error;
  }
}

function budgetMessage(state: TargetState, margin: number, reposLeft: number, repo?: string): string {
  const rl = state.rateLimit!;
  const where = repo ? ` while listing ${repo} (its open list is partial, no gap-fill)` : "";
  const rest = reposLeft ? `, ${reposLeft} repositories left for the next sweep` : "";
  return `${state.target.name}: GraphQL rate limit down to ${rl.remaining} points (safety margin ${margin}, resets at ${rl.resetAt})${where}${rest}`;
}

function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

export type { SweepFailure, SweepSummary };

import type { Logger, ProbotOctokit } from "probot";
import type { AttemptSource } from "../actions/attempt-counters.js";
import { GitHubError } from "../errors.js";
import { describeGitHubFailure, networkFailureOf, SWEEP_NEXT } from "../github/describe-github-failure.js";
import { countRequests } from "../github/count-requests.js";
import { completeSnapshot } from "../github/fetch-snapshots.js";
import { graphqlClient, withHalvingPages, type GraphqlClient, type GraphqlRateLimit } from "../github/graphql-client.js";
import { listInstallationRepos } from "../github/list-installation-repos.js";
import { isHostUnreachable } from "../github/network-failure.js";
import type { PullRequestSnapshot } from "../github/pr-snapshot.js";
import {
  buildClosedPullRequestsQuery,
  CLOSED_PULL_REQUESTS_PER_QUERY,
  type ClosedPullRequestsAnswer,
} from "../github/queries/closed-pull-requests.js";
import {
  OPEN_PULL_REQUESTS_PAGE_SIZE,
  OPEN_PULL_REQUESTS_QUERY,
  type OpenPullRequestsPage,
} from "../github/queries/open-pull-requests.js";
import { splitRepo } from "../github/repo-name.js";
import { withRetryAfter } from "../github/with-retry-after.js";
import { closeOutcome } from "../outcomes/close-outcome.js";
import type { RepoConfigCache } from "../repo-config/repo-config-cache.js";
import { observationPoint } from "../pipeline/observation-point.js";
import type { Point } from "../store/point.js";
import type { TelemetryStore } from "../store/open-store.js";
import { batchedConfigReaders } from "./batched-config-readers.js";
import { closedPullRequestFromNode } from "./closed-pull-request-from-node.js";
import { repoKey, type StoreIndex, type StoredRepository } from "./store-index.js";
import { SweepMemory } from "./sweep-memory.js";
import { sweepDue } from "./sweep-due.js";
import type { SweepFailure, SweepSummary } from "./sweep-summary.js";
import { gapFillCandidates, missedByWebhooks, outcomeRecorded } from "./webhook-gaps.js";

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

interface TargetState {
  target: SweepTarget;
  /** The target's GraphQL calls: the sweep waits out a secondary rate limit's retry-after. */
  github: GraphqlClient;
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
  const stopCounting = options.targets.map((t) =>
    countRequests(t.octokit, () => {
      summary.githubRequests++;
    }),
  );
  try {
    // 1. Which repositories: named, or listed per installation.
    const plan: Array<{ state: TargetState; repos: string[] }> = [];
    for (const target of options.targets) {
      try {
        let repos = target.repos;
        if (!repos) {
          const listed = await withRetryAfter(() => listInstallationRepos(target.octokit), { log, sleep: options.sleep, signal: options.signal });
          log.debug({ target: target.name, repos: listed.repos.length }, "sweep: repositories listed");
          for (const repo of listed.archived) summary.skipped.push({ repo, reason: "archived" });
          repos = listed.repos;
        }
        const github = graphqlClient(target.octokit.graphql, { retryAfter: { log, sleep: options.sleep, signal: options.signal }, next: SWEEP_NEXT });
        plan.push({ state: { target, github }, repos });
      } catch (error) {
        summary.failures.push({ repo: target.name, reason: `could not list its repositories: ${describeGitHubFailure(error, SWEEP_NEXT)}` });
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
      const configReader = batchedConfigReaders(
        state.target.octokit,
        repos,
        (rateLimit) => {
          state.rateLimit = rateLimit;
        },
        state.github,
      );
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
                if (networkFailureOf(error)) readFailure = error;
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
          const swept = await sweepRepo({ repo, state, stored, haveIndex: index !== undefined, summary, options, now, safetyMargin, memory });
          summary.repos++;
          if (swept.stopped) {
            // The budget ran low while listing this repository: what was read is written, the
            // target's other repositories wait for the next sweep.
            stops.push(swept.stopped);
            progress({ repo, status: "swept", reason: swept.stopped });
            for (const rest of repos.slice(i + 1)) {
              summary.skipped.push({ repo: rest, reason: "rate limit safety margin reached" });
              progress({ repo: rest, status: "skipped", reason: "rate limit safety margin reached" });
            }
            break;
          }
          options.lastSweptAt?.set(repoKey(repo), now());
          progress({ repo, status: "swept", openPrs: swept.openPrs });
        } catch (error) {
          const reason = describeGitHubFailure(error, SWEEP_NEXT);
          const network = networkFailureOf(error);
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
    for (const stop of stopCounting) stop();
  }
  if (stops.length) summary.stoppedEarly = [...new Set(stops)].join("; ");
  summary.durationMs = now().getTime() - startedAt.getTime();
  return summary;
}

/** What sweepRepo works on: one repository of a target, what the store knows of it, where to count. */
interface SweepRepoInput {
  repo: string;
  state: TargetState;
  stored: StoredRepository | undefined;
  /** The store could be read: gap-fill is possible. */
  haveIndex: boolean;
  summary: SweepSummary;
  options: RunSweepOptions;
  now: () => Date;
  safetyMargin: number;
  memory: SweepMemory;
}

/** A repository swept: its open PRs, and why it stopped before its end (the budget ran low) if it did. */
interface SweptRepo {
  openPrs: number;
  /** Set when the open list is partial (no gap-fill was done): the stop message. */
  stopped?: string | undefined;
}

/** Lists one repository's open PRs, observes each, fills the closes the webhooks missed, writes. */
async function sweepRepo(input: SweepRepoInput): Promise<SweptRepo> {
  const { repo, state, stored, haveIndex, summary, options, now, safetyMargin, memory } = input;
  const [owner, name] = splitRepo(repo);
  const github = state.github;

  // Open pull requests, page by page; a page GitHub fails as too big is asked again, halved.
  const snapshots: PullRequestSnapshot[] = [];
  let after: string | null = null;
  let pageSize = options.pageSize ?? OPEN_PULL_REQUESTS_PAGE_SIZE;
  let stopped: string | undefined;
  for (;;) {
    const cursor: string | null = after;
    const asked: { value: OpenPullRequestsPage; pageSize: number } = await withHalvingPages(
      (first) => github.data<OpenPullRequestsPage>(OPEN_PULL_REQUESTS_QUERY, { owner, name, first, after: cursor }, { targets: [repo] }),
      {
        pageSize,
        minPageSize: MIN_PAGE_SIZE,
        onHalve: (smaller) => options.log.warn({ repo, pageSize: smaller }, "sweep: GitHub failed a page; asking again with smaller pages"),
      },
    );
    const page = asked.value;
    pageSize = asked.pageSize;
    if (page.rateLimit) state.rateLimit = page.rateLimit;
    const connection = page.repository?.pullRequests;
    if (!connection) throw new GitHubError(`${repo} not found`, [repo], 404);
    for (const node of connection.nodes ?? []) if (node) snapshots.push(node);
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) break;
    after = connection.pageInfo.endCursor;
    if (state.rateLimit && state.rateLimit.remaining < safetyMargin) {
      stopped = budgetMessage(state, safetyMargin, 0, repo);
      break;
    }
  }
  const complete = await completeConnections(github, owner, name, snapshots);

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
      // GraphQL answers NOT_FOUND for a pull request that was deleted: the rest of the answer is kept.
      const answer = await github.data<ClosedPullRequestsAnswer>(query, variables, {
        targets: chunk.map((n) => `${repo}#${n}`),
        tolerate: (e) => e.type === "NOT_FOUND" && (e.path?.length ?? 0) >= 2,
      });
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
        const [final] = await completeConnections(github, owner, name, [node]);
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
  return { openPrs: complete.length, stopped };
}

/**
 * Completes the few snapshots whose check contexts, review threads or reviews run past the
 * first 100 (completeSnapshot asks only for the missing pages), so counts are as complete as
 * the webhook path's; a PR within the first page costs nothing more.
 */
async function completeConnections(
  github: GraphqlClient,
  owner: string,
  name: string,
  snapshots: PullRequestSnapshot[],
): Promise<PullRequestSnapshot[]> {
  const out: PullRequestSnapshot[] = [];
  for (const s of snapshots) out.push(await completeSnapshot(github, s, `${owner}/${name}#${s.number}`));
  return out;
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

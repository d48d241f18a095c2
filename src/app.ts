import { join } from "node:path";
import type { ApplicationFunction, Probot } from "probot";
import { AttemptCounters } from "./actions/attempt-counters.js";
import { checkServerConfig, loadConfig } from "./config.js";
import { InstallBackfills } from "./backfill/install-backfills.js";
import { CommitPullRequests } from "./github/commit-pull-requests.js";
import { InstallationClients } from "./github/installation-clients.js";
import { watchRequests } from "./github/watch-requests.js";
import { heldGitHub, type HeldResumers } from "./handlers/hold-while-waiting.js";
import { REDELIVERY_DAYS } from "./handlers/closed.js";
import { registerHandlers } from "./handlers/register-handlers.js";
import { registerInstallation } from "./handlers/installation.js";
import { scheduleDelivery } from "./handlers/observe-event.js";
import { actionsApiHandler } from "./http/actions-api.js";
import { healthHandler, healthStatus, type HealthReport } from "./http/health.js";
import { metricsHandler } from "./http/metrics-route.js";
import { limitWebhookBodies } from "./http/webhook-body-limit.js";
import { AppMetrics } from "./metrics/app-metrics.js";
import type { Capture } from "./pipeline/capture.js";
import { DeliveryLog, type HeldRecord } from "./pipeline/delivery-log.js";
import { githubSnapshots } from "./pipeline/github-snapshots.js";
import { Observer, type SnapshotFunctions } from "./pipeline/observer.js";
import { TaskSet } from "./pipeline/task-set.js";
import { WaitingDeliveries } from "./pipeline/waiting-deliveries.js";
import { openRedis, type SharedRedis } from "./replicas/open-redis.js";
import { SharedDeliveries } from "./replicas/shared-deliveries.js";
import { sweepLock } from "./replicas/sweep-lock.js";
import { RepoConfigCache } from "./repo-config/repo-config-cache.js";
import type { Runtime } from "./runtime.js";
import { readStartupIndex } from "./startup/read-startup-index.js";
import { JournalTail } from "./store/journal-tail.js";
import { openStore } from "./store/open-store.js";
import { SweepMemory } from "./sweep/sweep-memory.js";
import { startSweepScheduler, type SweepScheduler } from "./sweep/sweep-scheduler.js";

export interface AppOptions {
  /** The environment to configure from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** The GitHub snapshot functions (tests may pass fakes); GitHub's GraphQL by default. */
  snapshots?: SnapshotFunctions<any> | undefined;
  /** The connection to REDIS_URL when the caller opened it (src/main.ts, which paces GitHub through it too); opened here otherwise. */
  redis?: SharedRedis | undefined;
}

/** The app function for Probot, and the shutdown that drains its pending work. */
export interface AppHandle {
  appFn: ApplicationFunction;
  /** Drains pending observations and forwards within the grace period; resolves when done. */
  shutdown(): Promise<void>;
  /** The running app's parts (after appFn ran), for tests and the health route. */
  runtime(): { runtime: Runtime; capture: Capture } | undefined;
  /** The app's Prometheus metrics (after appFn ran), served on GET /metrics. */
  metrics(): AppMetrics | undefined;
}

/** Builds the pr-telemetry app. All wiring lives here; the features live in their own modules. */
export function createApp(options: AppOptions = {}): AppHandle {
  let state: { runtime: Runtime; capture: Capture } | undefined;
  let shuttingDown: Promise<void> | undefined;
  let sweeper: SweepScheduler | undefined;
  let redis: SharedRedis | undefined;
  let installBackfills: InstallBackfills | undefined;
  let metrics: AppMetrics | undefined;

  const appFn: ApplicationFunction = async (app: Probot, { addHandler }) => {
    const config = loadConfig(options.env ?? process.env);
    checkServerConfig(config);
    const log = app.log.child({ name: "pr-telemetry" });
    for (const warning of config.warnings) log.warn(warning);
    const store = await openStore(config, log);
    // Gathered at scrape time; the webhook path only bumps counters (see AppMetrics).
    let observerRef: Observer<any> | undefined;
    const appMetrics = (metrics = new AppMetrics({ store: () => store.health(), pendingObservations: () => observerRef?.pending ?? 0 }));
    // Every client of app.auth (observations, config reads, commit look-ups, the sweep) reports its
    // requests and the budget GitHub says is left; a delivery's own context.octokit is Probot's and is not counted.
    const auth = app.auth.bind(app);
    app.auth = async (installationId?: number) => {
      const octokit = await auth(installationId);
      watchRequests(octokit, String(installationId ?? "app"), (kind, installation, resource, remaining) => appMetrics.githubRequest(kind, installation, resource, remaining));
      return octokit;
    };
    // The journal is read once at start (src/startup/read-startup-index.ts) for the attempt
    // counters, the redelivery checks and the sweep's first index. The app answers meanwhile:
    // deliveries are taken (and held in the delivery log), and what needs the pass waits for it
    // (an observation's counters, a close's or an action's redelivery check, the first sweep).
    const tail = new JournalTail(store.journal.dir);
    const attempts = new AttemptCounters(store, log, { tail });
    const sweepMemory = new SweepMemory();
    const startedAt = Date.now();
    const startup = readStartupIndex({
      store,
      tail,
      counters: attempts,
      sweep: config.sweepIntervalMinutes > 0 ? sweepMemory : undefined,
      recentDays: REDELIVERY_DAYS,
      maxFutureHours: config.maxFutureHours,
      log,
    }).then(
      (index) => {
        log.info({ ms: Date.now() - startedAt, recentPoints: index.recent.length }, "read the journal for attempt counters, redelivery checks and the sweep");
        return index;
      },
      (err: Error) => {
        // Each reader then reads for itself: the counters tail the journal at their next get(), the sweep its window.
        log.warn({ err: err.message }, "could not read the journal at start; attempt counters and the sweep read it when first needed, a redelivered close or action may add a duplicate line");
        throw err;
      },
    );
    attempts.waitFor(startup);
    sweepMemory.waitFor(startup);
    const recent = startup.then((index) => index.recent);
    const runtime: Runtime = { config, log, store, repoConfigs: new RepoConfigCache(config.configCacheMs), attempts };
    const deliveries = new DeliveryLog(join(config.dataDir, "deliveries"), { log, flushIntervalMs: config.flushIntervalMs });
    const unfinished = await deliveries.load();
    const observer = new Observer<any>({
      snapshots: options.snapshots ?? githubSnapshots,
      write: (points) => store.write(points),
      attempts: { get: (repo, pr) => runtime.attempts.get(repo, pr) },
      log,
      debounceMs: config.debounceMs,
      mergeableRetries: config.mergeableRetries,
      mergeableBackoffMs: config.mergeableBackoffMs,
      onObserved: (marks) => deliveries.observed(marks),
      stuckAfterMs: config.stuckObservationMs,
      onWritten: (waitedMs, count) => appMetrics.observed(waitedMs, count),
    });
    observerRef = observer;
    const clients = new InstallationClients((id) => app.auth(id));
    // Several replicas (REDIS_URL, docs/scaling.md): Probot paces GitHub through Redis itself; the delivery dedup and the sweep lock are ours.
    const { redisUrl, replicaId } = config.replicas;
    redis = options.redis ?? (redisUrl ? openRedis(redisUrl, log) : undefined);
    const shared = redis ? new SharedDeliveries(redis, log, replicaId) : undefined;
    const capture: Capture = { observer, deliveries, tasks: new TaskSet(log), commitPrs: new CommitPullRequests(), clients, waiting: new WaitingDeliveries({ log, stuckAfterMs: config.stuckObservationMs }), shared };
    state = { runtime, capture };

    limitWebhookBodies(app, log, undefined, (event, status, seconds) => appMetrics.delivery(event, status, seconds));
    const resumers = registerHandlers(app, runtime, capture, recent);
    // New installations' history, in the background and behind live capture (src/backfill).
    installBackfills = new InstallBackfills({
      runtime,
      auth: (id) => app.auth(id),
      busy: () => capture.observer.pending > 0,
      onProgress: ({ prsFound, prsDone }) => {
        appMetrics.backfill.prsTotal.set(prsFound);
        appMetrics.backfill.prsDone.set(prsDone);
        appMetrics.backfill.lastRunTimestamp.set(Date.now() / 1000);
      },
    });
    registerInstallation(app, installBackfills);
    sweeper = startSweepScheduler(app, runtime, { memory: sweepMemory, firstDelayMs: config.sweepFirstDelaySeconds === undefined ? undefined : config.sweepFirstDelaySeconds * 1000, claim: redis ? sweepLock(redis, replicaId) : undefined, onSweep: (summary) => appMetrics.sweepDone(summary) });
    addHandler(healthHandler(() => healthReport(runtime, capture, redis)));
    addHandler(actionsApiHandler(runtime));
    addHandler(metricsHandler(appMetrics.registry, config.metricsToken));

    const health = await store.health();
    log.info(
      { store: health.store, dataDir: config.dataDir, backlog: health.backlog, influxReachable: health.influxReachable, debounceMs: config.debounceMs, replica: replicaId, redis: redis ? "shared dedup, sweep lock and GitHub pacing" : undefined },
      `pr-telemetry ready: storing points in ${health.store === "journal" ? config.journalDir : `${health.store} (journal: ${config.journalDir})`}`,
    );
    if (unfinished.length > 0) {
      log.warn({ deliveries: unfinished.length }, "observing deliveries acknowledged before the last stop but never observed");
      recover(runtime, capture, unfinished);
    }
    const held = deliveries.heldRecords();
    if (held.length > 0) {
      log.warn({ held: held.length }, "writing the outcomes and inferred actions of deliveries acknowledged before the last stop but never written");
      resumeHeld(app, runtime, capture, resumers, held);
    }
  };

  return {
    appFn,
    runtime: () => state,
    metrics: () => metrics,
    shutdown() {
      shuttingDown ??= (async () => {
        if (!state) return;
        const { runtime, capture } = state;
        const deadline = Date.now() + runtime.config.shutdownGraceMs;
        const left = () => Math.max(0, deadline - Date.now());
        await sweeper?.stop(Math.min(left(), 10_000));
        await installBackfills?.stop(Math.min(left(), 10_000));
        const tasksLeft = await capture.tasks.drain(left());
        const prsLeft = await capture.observer.stop(left());
        capture.waiting.stop();
        await capture.deliveries.close();
        const { backlog } = await runtime.store.drain(left());
        await runtime.store.close();
        if (redis !== options.redis) await redis?.close();
        const message = "pr-telemetry stopped";
        if (tasksLeft || prsLeft || backlog) {
          runtime.log.warn({ pendingTasks: tasksLeft, pendingObservations: prsLeft, backlog }, `${message} with work left: it is recovered at the next start`);
        } else {
          runtime.log.info(message);
        }
      })();
      return shuttingDown;
    },
  };
}

/** The body of GET /health: the store's health, and "degraded" while observations wait too long for GitHub. */
async function healthReport(runtime: Runtime, capture: Capture, redis: SharedRedis | undefined): Promise<HealthReport> {
  const [store, redisReachable] = await Promise.all([runtime.store.health(), redis?.reachable()]);
  // Observations waiting for their snapshot, and deliveries still waiting for a config read or a commit look-up.
  const stuck = [capture.observer.stuck(), capture.waiting.stuck()].reduce((a, b) => ({
    count: a.count + b.count,
    oldest: !a.oldest || (b.oldest && b.oldest.waitedMs > a.oldest.waitedMs) ? b.oldest : a.oldest,
  }));
  return {
    ...healthStatus(store.ok, stuck, runtime.config.stuckObservationMs),
    ...store,
    pending: capture.observer.pending + capture.tasks.size,
    stuckObservations: stuck.count,
    observationsWritten: capture.observer.observationsWritten,
    observationsFailed: capture.observer.observationsFailed,
    uptimeSeconds: Math.round(process.uptime()),
    replica: runtime.config.replicas.replicaId,
    redisReachable,
  };
}

/**
 * Produces what deliveries held while waiting on GitHub (outcomes, inferred actions) and were
 * not done when the process last died; each is marked done once written (or not wanted).
 */
function resumeHeld(app: Probot, runtime: Runtime, capture: Capture, resumers: HeldResumers, records: HeldRecord[]): void {
  for (const record of records) {
    capture.tasks.run(
      async () => {
        if (record.installationId !== undefined) {
          const octokit = await app.auth(record.installationId);
          await resumers[record.kind](record, heldGitHub(octokit, record.owner, record.repo, runtime.log.child({ delivery: record.id })));
        }
        capture.deliveries.done([record.id]);
      },
      { delivery: record.id, repo: `${record.owner}/${record.repo}`, kind: record.kind },
      "could not write a held outcome or action (it is tried again at the next start; the sweep records a missed outcome)",
    );
  }
}

/** Re-observes deliveries that were acknowledged but not observed when the process last died. */
function recover(runtime: Runtime, capture: Capture, records: Awaited<ReturnType<DeliveryLog["load"]>>): void {
  for (const record of records) {
    capture.tasks.run(
      async () => {
        if (record.installationId === undefined) {
          capture.deliveries.done([record.id]);
          return;
        }
        scheduleDelivery(record, runtime, capture);
      },
      { delivery: record.id },
      "could not recover a delivery (the sweep records the PR)",
    );
  }
}

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the scrape reads from the running app (never from the webhook path). */
export interface MetricSources {
  /** The store's backlog (points not yet in InfluxDB) and dead-lettered lines since start. */
  store(): Promise<{ backlog: number; deadLettered?: number | undefined }>;
  /** Observations waiting for their window or for GitHub. */
  pendingObservations(): number;
}

/** What one sweep did, as the metrics count it (a SweepSummary fits). */
export interface SweepProgress {
  repos: number;
  openPrs: number;
  outcomesFilled: number;
  observationsFilled: number;
  failures: readonly unknown[];
  stoppedEarly?: string | undefined;
}

/**
 * Names of the backfill's progress gauges (issue 12 sets them; registered here so a dashboard
 * can be built before the backfill exists and the names stay one list).
 */
export const BACKFILL_GAUGES = {
  prsTotal: "pr_telemetry_backfill_prs_total",
  prsDone: "pr_telemetry_backfill_prs_done",
  lastRunTimestamp: "pr_telemetry_backfill_last_progress_timestamp_seconds",
} as const;

/** An installation's remaining budget is labelled by id; past this many label sets the oldest is dropped, so a label cannot grow without bound. */
const MAX_INSTALLATIONS = 1000;

/**
 * The app's Prometheus metrics (prom-client), one registry per app so tests can run several.
 * The webhook path only increments counters and observes a histogram; everything that costs a
 * read (the store's backlog, dead letters, pending observations) is gathered when /metrics is
 * scraped.
 */
export class AppMetrics {
  readonly registry = new Registry();
  readonly #deliveries: Counter<"event" | "result">;
  readonly #ack: Histogram;
  readonly #lag: Histogram;
  readonly #coalesced: Counter;
  readonly #githubRequests: Counter<"kind">;
  readonly #rateLimit: Gauge<"installation" | "resource">;
  readonly #sweeps: Counter<"result">;
  readonly #sweepGauges: Record<"lastEnd" | "repos" | "openPrs", Gauge>;
  readonly #webhookLoss: Counter<"kind">;
  /** Issue 12's backfill progress: set with `backfill.prsTotal.set(n)`. */
  readonly backfill: Record<keyof typeof BACKFILL_GAUGES, Gauge>;
  /** Label sets of the rate-limit gauge, oldest first. */
  #budgets: Array<{ installation: string; resource: string }> = [];
  #caughtUpAt: number;

  constructor(sources: MetricSources, private readonly clock: () => number = Date.now) {
    const registry = this.registry;
    this.#caughtUpAt = clock();
    collectDefaultMetrics({ register: registry });
    this.#deliveries = new Counter({
      name: "pr_telemetry_deliveries_total",
      help: "Webhook deliveries answered, by event (\"unverified\" when refused before the signature was verified) and result (ok: 2xx, refused: 4xx, failed: 5xx)",
      labelNames: ["event", "result"],
      registers: [registry],
    });
    this.#ack = new Histogram({
      name: "pr_telemetry_webhook_ack_seconds",
      help: "Time from a webhook request's arrival to its answer",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.#lag = new Histogram({
      name: "pr_telemetry_observation_lag_seconds",
      help: "Time from the first event of a PR's coalescing window to its observation being in the journal",
      buckets: [0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 900],
      registers: [registry],
    });
    this.#coalesced = new Counter({
      name: "pr_telemetry_coalesced_events_total",
      help: "Events folded into another event's observation (deliveries per observation minus one)",
      registers: [registry],
    });
    this.#githubRequests = new Counter({
      name: "pr_telemetry_github_requests_total",
      help: "Requests the app's GitHub clients sent, by kind (graphql, rest)",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.#rateLimit = new Gauge({
      name: "pr_telemetry_github_rate_limit_remaining",
      help: "GitHub's x-ratelimit-remaining in the latest answer, per installation and rate-limit resource (core, graphql)",
      labelNames: ["installation", "resource"],
      registers: [registry],
    });
    const gauge = (name: string, help: string, collect?: (g: Gauge) => Promise<void> | void) =>
      new Gauge({ name, help, registers: [registry], ...(collect ? { collect() { return collect(this); } } : {}) });
    // One store read per scrape, shared by the gauges that need it.
    let health: Promise<{ backlog: number; deadLettered?: number | undefined }> | undefined;
    const storeNow = () => (health ??= sources.store().finally(() => queueMicrotask(() => (health = undefined))));
    gauge("pr_telemetry_journal_backlog_points", "Points in the journal InfluxDB has not accepted yet (0 with the journal alone)", async (g) => {
      const { backlog } = await storeNow();
      if (backlog === 0) this.#caughtUpAt = this.clock();
      g.set(backlog);
    });
    gauge("pr_telemetry_forwarder_lag_seconds", "How long the forwarder has been behind: time since a scrape last saw the backlog empty (0 when caught up)", async (g) => {
      const { backlog } = await storeNow();
      if (backlog === 0) this.#caughtUpAt = this.clock();
      g.set(backlog === 0 ? 0 : (this.clock() - this.#caughtUpAt) / 1000);
    });
    gauge("pr_telemetry_dead_lettered_points", "Journal lines InfluxDB refused and set aside in DATA_DIR/dead-letter since start", async (g) => {
      g.set((await storeNow()).deadLettered ?? 0);
    });
    gauge("pr_telemetry_pending_observations", "PRs waiting for their coalescing window or for GitHub", (g) => g.set(sources.pendingObservations()));
    this.#sweeps = new Counter({ name: "pr_telemetry_sweeps_total", help: "Sweeps finished, by result (ok, failures, stopped_early)", labelNames: ["result"], registers: [registry] });
    this.#sweepGauges = {
      lastEnd: gauge("pr_telemetry_sweep_last_end_timestamp_seconds", "When the latest sweep ended (Unix time)"),
      repos: gauge("pr_telemetry_sweep_repos", "Repositories the latest sweep swept"),
      openPrs: gauge("pr_telemetry_sweep_open_prs", "Open PRs the latest sweep listed"),
    };
    this.#webhookLoss = new Counter({
      name: "pr_telemetry_sweep_filled_total",
      help: "What the sweeps recorded that the webhooks missed (webhook loss), by kind (outcome, observation)",
      labelNames: ["kind"],
      registers: [registry],
    });
    this.backfill = {
      prsTotal: gauge(BACKFILL_GAUGES.prsTotal, "PRs the backfill has to record (issue 12)"),
      prsDone: gauge(BACKFILL_GAUGES.prsDone, "PRs the backfill has recorded (issue 12)"),
      lastRunTimestamp: gauge(BACKFILL_GAUGES.lastRunTimestamp, "When the backfill last made progress (Unix time; issue 12)"),
    };
  }

  /** A webhook request answered: its event header (trusted only once verified), HTTP status and time to answer. */
  delivery(event: string | undefined, status: number, seconds: number): void {
    const result = status < 300 ? "ok" : status < 500 ? "refused" : "failed";
    // A refused request may carry any event header: counting it under its own name would let anyone grow the label set.
    this.#deliveries.inc({ event: result === "refused" || !event ? "unverified" : event, result });
    this.#ack.observe(seconds);
  }

  /** An observation written: how long its window waited and how many deliveries it covered. */
  observed(waitedMs: number, deliveries: number): void {
    this.#lag.observe(waitedMs / 1000);
    if (deliveries > 1) this.#coalesced.inc(deliveries - 1);
  }

  /** A GitHub answer: its kind, installation (or "app") and the remaining budget GitHub gave. */
  githubRequest(kind: "graphql" | "rest", installation: string, resource: string | undefined, remaining: number | undefined): void {
    this.#githubRequests.inc({ kind });
    if (remaining === undefined || !Number.isFinite(remaining)) return;
    const labels = { installation, resource: resource ?? kind };
    if (!this.#budgets.some((b) => b.installation === labels.installation && b.resource === labels.resource)) {
      this.#budgets.push(labels);
      if (this.#budgets.length > MAX_INSTALLATIONS) this.#rateLimit.remove(this.#budgets.shift()!);
    }
    this.#rateLimit.set(labels, remaining);
  }

  /** A sweep ended. */
  sweepDone(summary: SweepProgress): void {
    this.#sweeps.inc({ result: summary.stoppedEarly ? "stopped_early" : summary.failures.length ? "failures" : "ok" });
    this.#sweepGauges.lastEnd.set(this.clock() / 1000);
    this.#sweepGauges.repos.set(summary.repos);
    this.#sweepGauges.openPrs.set(summary.openPrs);
    this.#webhookLoss.inc({ kind: "outcome" }, summary.outcomesFilled);
    this.#webhookLoss.inc({ kind: "observation" }, summary.observationsFilled);
  }
}

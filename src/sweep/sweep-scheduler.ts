import type { Probot } from "probot";
import type { Runtime } from "../runtime.js";
import { installationTargets } from "./installation-targets.js";
import { runSweep } from "./run-sweep.js";
import { SweepMemory } from "./sweep-memory.js";
import type { SweepSummary } from "./sweep-summary.js";

export interface SweepScheduler {
  /** Stops the timer; a sweep under way is told to stop and awaited for at most `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Sweeps now unless one is running (then resolves with undefined). For tests and an admin hook. */
  runNow(): Promise<SweepSummary | undefined>;
}

export interface SweepSchedulerOptions {
  /** Delay before the first sweep (default: 10 to 60 s, random, so instances do not start together). */
  firstDelayMs?: number;
  random?: () => number;
  /** What the sweep knows from the store, e.g. seeded by the app's start-up pass (default: empty, read at the first sweep). */
  memory?: SweepMemory;
  /**
   * With several replicas: asked before each sweep; true when this replica sweeps this interval,
   * holding the right for `holdMs` (src/replicas/sweep-lock.ts). Default: always this one.
   */
  claim?: (holdMs: number) => Promise<boolean>;
  /** Hears of each finished sweep's summary (the /metrics sweep progress). */
  onSweep?: ((summary: SweepSummary) => void) | undefined;
}

const jitterOf = (ms: number) => Math.min(ms * 0.1, 60_000);

/** Up to 10% (at most a minute) either way, so several instances do not sweep in step. */
function jittered(ms: number, random: () => number): number {
  const spread = jitterOf(ms);
  return Math.max(1000, Math.round(ms + (random() * 2 - 1) * spread));
}

/**
 * Sweeps every installation of the app every SWEEP_INTERVAL_MINUTES (config.sweepIntervalMinutes;
 * 0 turns it off), with jitter, never two at once: the next sweep is planned when the last one
 * ends. Repositories keep their own cadence (sweep_interval_minutes), remembered here across
 * sweeps and read back from the store after a restart. Timers are unref'd: they never hold the
 * process open. Call from the app function with the shared runtime; await stop() on shutdown.
 */
export function startSweepScheduler(app: Probot, runtime: Runtime, options: SweepSchedulerOptions = {}): SweepScheduler {
  const log = runtime.log.child({ name: "sweep" });
  const minutes = runtime.config.sweepIntervalMinutes;
  if (minutes === 0) {
    log.info("sweep is off (SWEEP_INTERVAL_MINUTES=0)");
    return { stop: async () => {}, runNow: async () => undefined };
  }
  const random = options.random ?? Math.random;
  const intervalMs = minutes * 60_000;
  const lastSweptAt = new Map<string, Date>();
  // Kept across sweeps: each sweep reads only what the store gained since the previous one.
  const memory = options.memory ?? new SweepMemory();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SweepSummary | undefined> | undefined;
  let stopped = false;

  const plan = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };

  const sweepOnce = async (): Promise<SweepSummary | undefined> => {
    try {
      const found = await installationTargets((id) => app.auth(id), log);
      const summary = await runSweep({
        targets: found.targets,
        store: runtime.store,
        attempts: runtime.attempts,
        repoConfigs: runtime.repoConfigs,
        log,
        runnerIntervalMinutes: minutes,
        lastSweptAt,
        memory,
        setupRequests: found.requests,
        setupFailures: found.failures,
        signal: abort.signal,
      });
      const level = summary.failures.length || summary.stoppedEarly ? "warn" : "info";
      log[level]({ sweep: summary }, "sweep done");
      options.onSweep?.(summary);
      return summary;
    } catch (error) {
      // Listing installations failed (GitHub down, bad credentials): the next tick tries again.
      log.error({ err: (error as Error).message }, "sweep failed before it started; trying again at the next interval");
      return undefined;
    }
  };

  const runNow = async (): Promise<SweepSummary | undefined> => {
    if (running || stopped) return undefined;
    running = sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = async () => {
    if (running) log.info("a sweep is still running; this one is skipped");
    // Held for the interval less its jitter: whichever replica ticks first in the next interval gets it.
    else if (options.claim && !(await options.claim(Math.max(1000, intervalMs - jitterOf(intervalMs))))) log.info("another replica sweeps in this interval; this one is skipped");
    else await runNow();
    plan(jittered(intervalMs, random));
  };

  plan(options.firstDelayMs ?? Math.round(10_000 + random() * 50_000));
  log.info({ intervalMinutes: minutes }, "sweep scheduled");

  return {
    runNow,
    async stop(timeoutMs = Math.min(runtime.config.shutdownGraceMs, 20_000)) {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      if (!running) return;
      let bound: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        bound = setTimeout(resolve, timeoutMs);
        bound.unref();
      });
      await Promise.race([running.then(() => undefined), late]);
      if (bound) clearTimeout(bound);
    },
  };
}

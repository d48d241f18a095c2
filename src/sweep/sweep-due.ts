import type { RepoConfig } from "../repo-config/repo-config.js";

/** Whether to sweep a repository now, or why not. */
export type SweepDecision = { due: true } | { due: false; reason: string };

/**
 * A repository's own cadence (`sweep_interval_minutes` in .github/pr-telemetry.yml) on top of
 * the runner's (the scheduler's SWEEP_INTERVAL_MINUTES, or the workflow's cron). A repository
 * without its own interval is swept on every run; one with an interval is swept once that much
 * time has passed since its last sweep, less half the runner's interval, so that an hourly
 * repository on a 15-minute runner is swept every fourth run rather than every fifth when the
 * runs drift by a few seconds. 0 means never; `enabled: false` means nothing is recorded.
 */
export function sweepDue(
  config: RepoConfig,
  lastSweptAt: Date | undefined,
  now: Date,
  runnerIntervalMinutes: number,
): SweepDecision {
  if (!config.enabled) return { due: false, reason: "disabled by .github/pr-telemetry.yml (enabled: false)" };
  const interval = config.sweep_interval_minutes;
  if (interval === undefined) return { due: true };
  if (interval === 0) return { due: false, reason: "sweep_interval_minutes is 0 in .github/pr-telemetry.yml" };
  if (!lastSweptAt) return { due: true };
  const elapsedMinutes = (now.getTime() - lastSweptAt.getTime()) / 60_000;
  if (elapsedMinutes >= interval - runnerIntervalMinutes / 2) return { due: true };
  return {
    due: false,
    reason: `not due: swept ${Math.floor(elapsedMinutes)} min ago, sweep_interval_minutes is ${interval}`,
  };
}

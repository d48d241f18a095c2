/** A repository the backfill could not finish, and why (the message says what to do). */
export interface BackfillFailure {
  repo: string;
  reason: string;
}

/** What one backfill did; printed by the CLI (text or --json), logged by the on-install run. */
export interface BackfillSummary {
  startedAt: string;
  durationMs: number;
  dryRun: boolean;
  since: string;
  until: string;
  /** Repositories read to their end. */
  repos: number;
  prsFound: number;
  prsDone: number;
  /** PRs a checkpoint showed done and unchanged since. */
  prsSkipped: number;
  /** Points written (in a dry run: that would have been written), by measurement. */
  observationsWritten: number;
  outcomesWritten: number;
  actionsWritten: number;
  /** Points the store already had (a previous run, or live capture). */
  pointsAlreadyStored: number;
  githubRequests: number;
  /** GraphQL points left in the lowest budget seen (null when no answer said). */
  rateLimitRemaining: number | null;
  failures: BackfillFailure[];
  /** Set when the backfill stopped before its end (rate limit safety margin, shutdown): why, and how to go on. */
  stoppedEarly?: string | undefined;
}

/** The summary as the CLI prints it. */
export function formatBackfillSummary(s: BackfillSummary): string {
  const lines = [
    `Backfill ${s.dryRun ? "(dry run: nothing written) " : ""}of ${s.since} .. ${s.until} done in ${(s.durationMs / 1000).toFixed(1)} s`,
    `  repositories          ${s.repos}${s.failures.length ? ` (${s.failures.length} failed)` : ""}`,
    `  pull requests         ${s.prsDone} of ${s.prsFound}${s.prsSkipped ? ` (${s.prsSkipped} unchanged since the checkpoint)` : ""}`,
    `  observations written  ${s.observationsWritten}`,
    `  outcomes written      ${s.outcomesWritten}`,
    `  actions written       ${s.actionsWritten}`,
    `  already in the store  ${s.pointsAlreadyStored}`,
    `  GitHub requests       ${s.githubRequests}`,
    `  GitHub budget left    ${s.rateLimitRemaining ?? "unknown"}`,
  ];
  return lines.join("\n") + "\n";
}

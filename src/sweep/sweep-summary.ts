/** A repository the sweep could not sweep, and why (the message says what to do). */
export interface SweepFailure {
  repo: string;
  reason: string;
}

/** What one sweep did; printed by the CLI, logged by the scheduler. */
export interface SweepSummary {
  startedAt: string;
  durationMs: number;
  dryRun: boolean;
  /** Repositories swept (all of their open PRs listed). */
  repos: number;
  /** Repositories passed over, with the reason (disabled, not due, archived, rate limit). */
  skipped: SweepFailure[];
  openPrs: number;
  /** pr_observation points written (in a dry run: that would have been written), gap-fill's included. */
  observationsWritten: number;
  /** Outcomes of closes the webhooks missed (see docs/sweep.md: webhook loss). */
  outcomesFilled: number;
  /** Open PRs whose state had changed without the webhooks recording it (see missedByWebhooks). */
  observationsFilled: number;
  /** Requests the sweep sent to GitHub, listings included (a call the retry plugin repeats counts once). */
  githubRequests: number;
  /** GraphQL points left in the lowest budget seen (null when no GraphQL answer came). */
  rateLimitRemaining: number | null;
  failures: SweepFailure[];
  /** Set when the sweep stopped before the end: why (rate limit safety margin, shutdown). */
  stoppedEarly?: string | undefined;
}

/** The summary as the CLI prints it (plain text, one figure a line). */
export function formatSweepSummary(s: SweepSummary): string {
  const lines = [
    `Sweep ${s.dryRun ? "(dry run: nothing written) " : ""}done in ${(s.durationMs / 1000).toFixed(1)} s`,
    `  repositories swept    ${s.repos}${s.skipped.length ? ` (${s.skipped.length} skipped)` : ""}`,
    `  open pull requests    ${s.openPrs}`,
    `  observations written  ${s.observationsWritten}`,
    `  outcomes filled       ${s.outcomesFilled}  (closes the webhooks missed)`,
    `  observations filled   ${s.observationsFilled}  (changes the webhooks missed)`,
    `  GitHub requests       ${s.githubRequests}`,
    `  rate limit left       ${s.rateLimitRemaining ?? "unknown"}${s.rateLimitRemaining === null ? "" : " GraphQL points"}`,
  ];
  for (const skip of s.skipped) lines.push(`  skipped ${skip.repo}: ${skip.reason}`);
  if (s.stoppedEarly) lines.push(`Stopped early: ${s.stoppedEarly}`);
  for (const f of s.failures) lines.push(`FAILED ${f.repo}: ${f.reason}`);
  return lines.join("\n") + "\n";
}

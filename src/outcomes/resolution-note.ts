/**
 * What the CLI and the API say when an outcome is recorded without resolution_hours because the
 * journal knows no earlier point of the PR (never observed, or its files were pruned).
 * `field` is the caller's spelling (`--resolution-hours` or `resolution_hours`).
 */
export function resolutionNote(repo: string, pr: number, at: Date, field: string): string {
  return (
    `resolution_hours left out: the journal has no observation or outcome of ${repo}#${pr} up to ${at.toISOString()}, ` +
    `so the PR's creation time is unknown; give ${field} to record it`
  );
}

/**
 * Whole hours from an ISO-8601 time to `now`, rounded down (1 h 59 min is 1), as the original
 * design's `(now - then) / 3600` did. A time after `now` (clock skew between GitHub and this
 * host) gives 0 rather than a negative age.
 */
export function hoursSince(iso: string, now: Date): number {
  const ms = now.getTime() - Date.parse(iso);
  return ms > 0 ? Math.floor(ms / 3_600_000) : 0;
}

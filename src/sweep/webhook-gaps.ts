import type { Point } from "../store/point.js";
import type { StoredRepository } from "./store-index.js";

/**
 * Pull requests to ask GitHub about because they may have closed without the app seeing it:
 * not in the repository's open list now, yet the store's newest observation shows them open
 * (state OPEN, or no state recorded), with no outcome at or after that observation. A PR whose
 * close the webhooks delivered has a final CLOSED/MERGED observation or a newer outcome, so a
 * healthy repository costs the gap-fill no request at all.
 */
export function gapFillCandidates(stored: StoredRepository | undefined, openNumbers: ReadonlySet<number>): number[] {
  if (!stored) return [];
  const out: number[] = [];
  for (const [number, pr] of stored.prs) {
    if (openNumbers.has(number) || !pr.observedAt) continue;
    if (pr.state === "CLOSED" || pr.state === "MERGED") {
      // Seen closed by an observation of another event (in the close's coalescing window) while
      // the close delivery itself was lost: no outcome at all. With an outcome stored the close
      // was seen; the sweep's own final observation always comes with its outcome (whose close
      // time may lie before the store read's window).
      if (pr.outcomeAt || pr.trigger === "sweep") continue;
    } else if (pr.outcomeAt && pr.outcomeAt >= pr.observedAt) continue;
    out.push(number);
  }
  return out.sort((a, b) => a - b);
}

/** Whether an outcome for a close at `closedAt` (GitHub's merge or close time) is already stored. */
export function outcomeRecorded(stored: StoredRepository | undefined, number: number, closedAt: Date): boolean {
  const at = stored?.prs.get(number)?.outcomeAt;
  return at !== undefined && at.getTime() >= closedAt.getTime();
}

/**
 * Whether the sweep's observation of an open PR records a change the webhooks should have
 * recorded and did not (the sweep's measure of webhook loss):
 * - the store has no observation of the PR although it has points of the repository older than
 *   the PR (the app was watching when it opened: the `opened` delivery was lost); or
 * - the newest stored observation differs in head commit, draft flag or base branch, each of
 *   which GitHub announces with a delivery (synchronize, ready_for_review / converted_to_draft,
 *   edited).
 * Only when the PR's last update is older than `graceMs`, so a delivery still in flight (or in
 * the debounce window) is not counted as lost.
 */
export function missedByWebhooks(
  stored: StoredRepository | undefined,
  observation: Point,
  pr: { number: number; createdAt: string; updatedAt: string },
  now: Date,
  graceMs: number,
): boolean {
  if (!stored) return false;
  if (now.getTime() - new Date(pr.updatedAt).getTime() < graceMs) return false;
  const known = stored.prs.get(pr.number);
  if (!known?.observedAt) return stored.firstPointAt.getTime() < new Date(pr.createdAt).getTime();
  const f = observation.fields;
  return (
    (known.headSha !== undefined && f.head_sha !== undefined && known.headSha !== f.head_sha) ||
    (known.isDraft !== undefined && f.is_draft !== undefined && known.isDraft !== f.is_draft) ||
    (known.baseRef !== undefined && f.base_ref !== undefined && known.baseRef !== f.base_ref)
  );
}

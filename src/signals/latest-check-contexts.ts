import type { SnapshotCheckContext } from "../github/pr-snapshot.js";

/**
 * The rollup entries that still stand: the latest check run per name and the latest commit
 * status per context. GitHub's `statusCheckRollup.contexts` lists every run, re-runs included
 * (a re-run adds a run of the same name to the same commit), so counting them all would count
 * a failed-then-fixed check twice.
 *
 * "Latest" is the newest `startedAt` (a run not started yet is the newest: it was just
 * requested) and, for statuses, the newest `createdAt`; on a tie the later entry wins, since
 * GitHub lists them in creation order. Check runs and statuses are separate namespaces.
 * Caveat: two workflows with a job of the same name count as one check (the rollup's check
 * runs carry no workflow name without the `actions` permission, which this app does not ask for).
 */
export function latestCheckContexts(contexts: ReadonlyArray<SnapshotCheckContext | null>): SnapshotCheckContext[] {
  const latest = new Map<string, { context: SnapshotCheckContext; at: number }>();
  for (const context of contexts) {
    if (!context) continue;
    const key = context.__typename === "CheckRun" ? `run:${context.name}` : `status:${context.context}`;
    const stamp = context.__typename === "CheckRun" ? context.startedAt : context.createdAt;
    const at = stamp ? Date.parse(stamp) : Number.POSITIVE_INFINITY;
    const current = latest.get(key);
    if (!current || at >= current.at) latest.set(key, { context, at });
  }
  return [...latest.values()].map((entry) => entry.context);
}

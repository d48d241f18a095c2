import type { PullRequestSnapshot } from "../github/pr-snapshot.js";

/**
 * When the head branch was last pushed, as near as GitHub's API still tells: the newest of the
 * head commit's `committedDate` and the newest `HeadRefForcePushedEvent.createdAt`.
 * `Commit.pushedDate` would be exact but GitHub removed it (deprecated, now always null).
 * Caveat: a plain push of commits made earlier (committed offline, pushed hours later) reads as
 * older than it is; a force push is exact, and a commit made on GitHub (a merge of the base
 * branch, an accepted suggestion) is within seconds. The
 * `pull_request.synchronize` webhook's delivery time is the exact push time where the caller has it.
 */
export function lastPushAt(snapshot: Pick<PullRequestSnapshot, "commits" | "timelineItems" | "createdAt">): string {
  const candidates: string[] = [];
  const committed = snapshot.commits.nodes?.at(-1)?.commit.committedDate;
  if (committed) candidates.push(committed);
  for (const item of snapshot.timelineItems.nodes ?? []) {
    if (item?.createdAt) candidates.push(item.createdAt);
  }
  // A PR with no commit left (its head branch rewritten to the base) has nothing newer than its opening.
  if (candidates.length === 0) return snapshot.createdAt;
  return candidates.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

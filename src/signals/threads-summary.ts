import type { PullRequestSnapshot } from "../github/pr-snapshot.js";

/** The `threads_*` signals. */
export interface ThreadsSummary {
  total: number;
  unresolved: number;
}

/**
 * Review threads, all and unresolved. An outdated thread (its lines changed since) is still a
 * conversation: it counts while unresolved, as GitHub's "require conversation resolution" does.
 * `total` is GitHub's `totalCount`; `unresolved` is counted from the nodes, which
 * `fetchSnapshots` completes page by page.
 */
export function threadsSummary(snapshot: Pick<PullRequestSnapshot, "reviewThreads">): ThreadsSummary {
  let unresolved = 0;
  for (const thread of snapshot.reviewThreads.nodes ?? []) {
    if (thread && !thread.isResolved) unresolved += 1;
  }
  return { total: snapshot.reviewThreads.totalCount, unresolved };
}

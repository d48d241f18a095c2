/**
 * The selection of one entry of a commit's `statusCheckRollup.contexts`, shared by the snapshot
 * fragment and the contexts follow-up page so both return the same shape (`SnapshotCheckContext`).
 * `startedAt` / `createdAt` are there to pick the latest run per check name and the latest
 * status per context: the rollup lists every run, re-runs included.
 */
export const CHECK_CONTEXT_FIELDS = `__typename
      ... on CheckRun { name status conclusion startedAt completedAt }
      ... on StatusContext { context state createdAt }`;

import { fetchSnapshots } from "../github/fetch-snapshots.js";
import type { PullRequestSnapshot } from "../github/pr-snapshot.js";
import { isMergeableUnknown } from "../signals/observe.js";
import { observationPoint } from "./observation-point.js";
import type { SnapshotFunctions } from "./observer.js";

/** The real snapshot functions: GitHub's GraphQL snapshot and the pure signal function. */
export const githubSnapshots: SnapshotFunctions<PullRequestSnapshot> = {
  fetch: fetchSnapshots,
  isMergeableUnknown,
  toPoint: observationPoint,
};

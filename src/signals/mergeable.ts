import type { PullRequestSnapshot } from "../github/pr-snapshot.js";

/**
 * The `mergeable` field: true for MERGEABLE, false for CONFLICTING, and undefined (the field is
 * left out) for UNKNOWN — GitHub computes mergeability in the background and UNKNOWN means "not
 * computed yet", never "no". Recording it as false was the original design's flaw.
 */
export function mergeableSignal(snapshot: Pick<PullRequestSnapshot, "mergeable">): boolean | undefined {
  if (snapshot.mergeable === "MERGEABLE") return true;
  if (snapshot.mergeable === "CONFLICTING") return false;
  return undefined;
}

/**
 * True when an open pull request's mergeability is still being computed, i.e. fetching again
 * shortly may give an answer. Closed and merged pull requests answer false: GitHub may leave
 * them UNKNOWN for good, so retrying them would only burn requests (their `mergeable` field is
 * still left out, never guessed).
 */
export function isMergeableUnknown(snapshot: Pick<PullRequestSnapshot, "mergeable" | "state">): boolean {
  return snapshot.state === "OPEN" && snapshot.mergeable === "UNKNOWN";
}

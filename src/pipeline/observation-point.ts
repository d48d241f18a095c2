import type { PullRequestSnapshot } from "../github/pr-snapshot.js";
import { prAuthorLogin } from "../signals/author-login.js";
import { observe } from "../signals/observe.js";
import { makePoint, type Point } from "../store/point.js";

/** The measurement `observationPoint` writes. */
export const PR_OBSERVATION = "pr_observation";

/** What the caller knows that the snapshot does not: why it observed, and the attempt counters. */
export interface ObservationContext {
  /** e.g. `pull_request.synchronize`, `sweep`. */
  trigger: string;
  deliveryId?: string | undefined;
  conflictAttempts: number;
  reviewFixAttempts: number;
}

/**
 * The `pr_observation` point of a snapshot at `now` (its time): tags `repo` (GitHub's
 * `owner/name`, slash kept), `pr`, `author`; fields `observe`'s plus the context's
 * `conflict_attempts`, `review_fix_attempts`, `trigger` and `delivery_id` (left out when absent).
 */
export function observationPoint(snapshot: PullRequestSnapshot, now: Date, ctx: ObservationContext): Point {
  return makePoint(
    PR_OBSERVATION,
    now,
    {
      repo: snapshot.repository.nameWithOwner,
      pr: String(snapshot.number),
      author: prAuthorLogin(snapshot),
    },
    {
      ...observe(snapshot, now),
      conflict_attempts: ctx.conflictAttempts,
      review_fix_attempts: ctx.reviewFixAttempts,
      trigger: ctx.trigger,
      delivery_id: ctx.deliveryId,
    },
  );
}

import type { PullRequestSnapshot } from "../github/pr-snapshot.js";

/** The `reviews_*` signals. */
export interface ReviewsSummary {
  approved: number;
  changesRequested: number;
  /** Pending review requests (users and teams), re-requests included. */
  requested: number;
}

/**
 * Counts each reviewer's standing opinion, from `latestOpinionatedReviews` (GitHub's one latest
 * APPROVED / CHANGES_REQUESTED review per reviewer). A dismissed review comes back with state
 * DISMISSED and counts for neither side. A re-requested reviewer keeps their earlier review
 * in that list until they review again — GitHub's branch protection still counts it too — so
 * it is counted as it stands, and the re-request shows up in `requested`
 * (`reviewRequests.totalCount`).
 */
export function reviewsSummary(snapshot: Pick<PullRequestSnapshot, "latestOpinionatedReviews" | "reviewRequests">): ReviewsSummary {
  let approved = 0;
  let changesRequested = 0;
  for (const review of snapshot.latestOpinionatedReviews?.nodes ?? []) {
    if (review?.state === "APPROVED") approved += 1;
    else if (review?.state === "CHANGES_REQUESTED") changesRequested += 1;
  }
  return { approved, changesRequested, requested: snapshot.reviewRequests?.totalCount ?? 0 };
}

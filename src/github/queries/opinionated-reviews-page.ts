import { SNAPSHOT_PAGE_SIZE } from "./pull-request-snapshot.js";

/**
 * The next page of a pull request's latest opinionated reviews (one per reviewer; more than 100
 * reviewers is rare but must not silently cap the counts). Variables: `id` (PullRequest id), `after`.
 */
export const OPINIONATED_REVIEWS_PAGE_QUERY = `query OpinionatedReviewsPage($id: ID!, $after: String) {
  node(id: $id) {
    ... on PullRequest {
      latestOpinionatedReviews(first: ${SNAPSHOT_PAGE_SIZE}, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { state }
      }
    }
  }
}
`;

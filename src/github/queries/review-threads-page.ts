import { SNAPSHOT_PAGE_SIZE } from "./pull-request-snapshot.js";

/**
 * The next page of a pull request's review threads (the connection offers only `totalCount`,
 * so resolved/unresolved must be counted from the nodes). Variables: `id` (PullRequest id), `after`.
 */
export const REVIEW_THREADS_PAGE_QUERY = `query ReviewThreadsPage($id: ID!, $after: String) {
  node(id: $id) {
    ... on PullRequest {
      reviewThreads(first: ${SNAPSHOT_PAGE_SIZE}, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { isResolved isOutdated }
      }
    }
  }
}
`;

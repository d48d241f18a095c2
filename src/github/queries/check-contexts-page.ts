import { CHECK_CONTEXT_FIELDS } from "./check-context-fields.js";
import { SNAPSHOT_PAGE_SIZE } from "./pull-request-snapshot.js";

/**
 * The next page of a head commit's check runs and statuses, when the snapshot's first 100 did
 * not hold them all (monorepos with matrix builds do exceed it). Asked by the rollup's node id.
 * Variables: `id` (StatusCheckRollup id), `after` (the previous page's endCursor).
 */
export const CHECK_CONTEXTS_PAGE_QUERY = `query CheckContextsPage($id: ID!, $after: String) {
  node(id: $id) {
    ... on StatusCheckRollup {
      contexts(first: ${SNAPSHOT_PAGE_SIZE}, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
      ${CHECK_CONTEXT_FIELDS}
        }
      }
    }
  }
}
`;

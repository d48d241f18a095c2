import type { GraphqlRateLimit } from "../graphql-client.js";
import type { PageInfo, PullRequestSnapshot } from "../pr-snapshot.js";
import { PULL_REQUEST_SNAPSHOT_FRAGMENT } from "./pull-request-snapshot.js";

/**
 * Open pull requests a page per request. 50 full snapshots a page (~15,000 nodes) is what the
 * snapshot fragment was sized for; on a 502/504 (GitHub's answer to a query that ran too long)
 * the sweep asks again with half the page size (withHalvingPages).
 */
export const OPEN_PULL_REQUESTS_PAGE_SIZE = 50;

/**
 * One page of a repository's open pull requests with every signal an observation needs, plus
 * the installation's GraphQL budget (`rateLimit`) so the sweep can stop before exhausting it.
 * Oldest first: a PR opened while the sweep pages is appended after the cursor, not skipped.
 * Variables: `owner`, `name`, `first` (page size), `after` (the previous page's endCursor).
 */
export const OPEN_PULL_REQUESTS_QUERY = `query OpenPullRequests($owner: String!, $name: String!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequests(states: OPEN, first: $first, after: $after, orderBy: { field: CREATED_AT, direction: ASC }) {
      pageInfo { hasNextPage endCursor }
      nodes { ...PullRequestSnapshot }
    }
  }
  rateLimit { cost remaining resetAt }
}

${PULL_REQUEST_SNAPSHOT_FRAGMENT}
`;

/** The answer to OPEN_PULL_REQUESTS_QUERY. */
export interface OpenPullRequestsPage {
  repository: {
    pullRequests: { pageInfo: PageInfo; nodes: Array<PullRequestSnapshot | null> | null };
  } | null;
  rateLimit: GraphqlRateLimit | null;
}

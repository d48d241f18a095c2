import type { SnapshotTarget } from "../fetch-snapshots.js";
import { CHECK_CONTEXT_FIELDS } from "./check-context-fields.js";

/** Page size of the nested connections; a larger connection is followed with a page query. */
export const SNAPSHOT_PAGE_SIZE = 100;

/**
 * Everything one `pr_observation` needs from a pull request, in one selection
 * (typed as `PullRequestSnapshot` in `src/github/pr-snapshot.ts`).
 *
 * Kept lean because the sweep selects it for 50 PRs a page: three connections of 100
 * (check contexts, opinionated reviews, review threads) make ~15,000 nodes a page, far under
 * GitHub's 500,000-node limit. Choices:
 * - `commits(last: 1)` is the head commit (still there after the head branch is deleted);
 *   its `statusCheckRollup` carries check runs and commit statuses together.
 * - `Commit.pushedDate` is deprecated (always null now), so the last push is estimated from the
 *   head commit's `committedDate` and the newest `HeadRefForcePushedEvent` (see `lastPushAt`).
 * - `mergeStateStatus: DRAFT` is deprecated: `isDraft` is the draft signal.
 * - `latestOpinionatedReviews`: one review per reviewer, their latest APPROVED /
 *   CHANGES_REQUESTED (or DISMISSED) one, which is what branch protection counts.
 * - `repository.nameWithOwner` gives the `repo` tag GitHub's canonical spelling, whatever
 *   casing the webhook or caller used.
 */
export const PULL_REQUEST_SNAPSHOT_FRAGMENT = `fragment PullRequestSnapshot on PullRequest {
  id
  number
  state
  isDraft
  createdAt
  updatedAt
  mergeable
  mergeStateStatus
  reviewDecision
  baseRefName
  headRefName
  headRefOid
  additions
  deletions
  changedFiles
  author { __typename login }
  autoMergeRequest { enabledAt }
  repository { nameWithOwner }
  commits(last: 1) {
    totalCount
    nodes {
      commit {
        oid
        committedDate
        statusCheckRollup {
          id
          state
          contexts(first: ${SNAPSHOT_PAGE_SIZE}) {
            pageInfo { hasNextPage endCursor }
            nodes {
      ${CHECK_CONTEXT_FIELDS}
            }
          }
        }
      }
    }
  }
  latestOpinionatedReviews(first: ${SNAPSHOT_PAGE_SIZE}) {
    pageInfo { hasNextPage endCursor }
    nodes { state }
  }
  reviewRequests { totalCount }
  reviewThreads(first: ${SNAPSHOT_PAGE_SIZE}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { isResolved isOutdated }
  }
  timelineItems(last: 1, itemTypes: [HEAD_REF_FORCE_PUSHED_EVENT]) {
    nodes { __typename ... on HeadRefForcePushedEvent { createdAt } }
  }
}`;

/** Where one target's pull request sits in the response: `data[repoAlias][prAlias]`. */
export interface SnapshotAlias {
  target: SnapshotTarget;
  repoAlias: string;
  prAlias: string;
}

/**
 * One aliased query for many pull requests, possibly across several repositories of one
 * installation: `r0: repository(owner: $o0, name: $n0) { p0: pullRequest(number: $p0) {...} }`.
 * Values travel as variables, never spliced into the text, so no owner or name needs escaping.
 * Repositories are grouped case-insensitively (GitHub names are), duplicates are asked once;
 * `aliases` tells where each target's answer is (one entry per distinct target, in input order).
 */
export function buildSnapshotQuery(targets: SnapshotTarget[]): {
  query: string;
  variables: Record<string, unknown>;
  aliases: SnapshotAlias[];
} {
  if (targets.length === 0) throw new Error("buildSnapshotQuery needs at least one target");
  const variables: Record<string, unknown> = {};
  const params: string[] = [];
  const repos = new Map<string, { alias: string; fields: string[] }>();
  const seen = new Map<string, SnapshotAlias>();
  const aliases: SnapshotAlias[] = [];

  for (const target of targets) {
    const repoKey = `${target.owner}/${target.repo}`.toLowerCase();
    let repo = repos.get(repoKey);
    if (!repo) {
      const r = repos.size;
      repo = { alias: `r${r}`, fields: [] };
      repos.set(repoKey, repo);
      variables[`o${r}`] = target.owner;
      variables[`n${r}`] = target.repo;
      params.push(`$o${r}: String!`, `$n${r}: String!`);
    }
    const prKey = `${repoKey}#${target.number}`;
    if (seen.has(prKey)) continue;
    const p = seen.size;
    const alias: SnapshotAlias = { target, repoAlias: repo.alias, prAlias: `p${p}` };
    seen.set(prKey, alias);
    aliases.push(alias);
    variables[`p${p}`] = target.number;
    params.push(`$p${p}: Int!`);
    repo.fields.push(`    p${p}: pullRequest(number: $p${p}) { ...PullRequestSnapshot }`);
  }

  const body = [...repos.entries()].map(([, repo]) => {
    const r = repo.alias.slice(1);
    return `  ${repo.alias}: repository(owner: $o${r}, name: $n${r}) {\n${repo.fields.join("\n")}\n  }`;
  });
  const query = `query PullRequestSnapshots(${params.join(", ")}) {\n${body.join("\n")}\n}\n\n${PULL_REQUEST_SNAPSHOT_FRAGMENT}\n`;
  return { query, variables, aliases };
}

import type { PullRequestSnapshot } from "../../src/github/pr-snapshot.js";
import type { ClosedPullRequestNode } from "../../src/github/queries/closed-pull-requests.js";
import type { OpenPullRequestsPage } from "../../src/github/queries/open-pull-requests.js";

/**
 * GitHub's answers to the sweep's queries, built to the shapes GitHub returns (the snapshot
 * fragment's selection, typed by PullRequestSnapshot, so a field the fragment drops or renames is
 * a compile error here). Shared by the sweep tests and the sweep benchmark's loopback GitHub.
 */
export interface PrSpec {
  repo: string;
  number: number;
  state?: "OPEN" | "CLOSED" | "MERGED";
  headSha?: string;
  isDraft?: boolean;
  baseRef?: string;
  createdAt?: string;
  updatedAt?: string;
  author?: { __typename: string; login: string };
}

/** One pull request node as the PullRequestSnapshot fragment selects it. */
export function prNode(spec: PrSpec): PullRequestSnapshot {
  const sha = spec.headSha ?? `${String(spec.number).padStart(8, "0")}${"a".repeat(32)}`;
  return {
    id: `PR_kwDO${Buffer.from(`${spec.repo}#${spec.number}`).toString("base64url")}`,
    number: spec.number,
    state: spec.state ?? "OPEN",
    isDraft: spec.isDraft ?? false,
    createdAt: spec.createdAt ?? "2026-01-01T00:00:00Z",
    updatedAt: spec.updatedAt ?? "2026-01-02T00:00:00Z",
    mergeable: "MERGEABLE",
    mergeStateStatus: "CLEAN",
    reviewDecision: "APPROVED",
    baseRefName: spec.baseRef ?? "main",
    headRefName: `feature/${spec.number}`,
    headRefOid: sha,
    additions: 10,
    deletions: 2,
    changedFiles: 3,
    author: spec.author ?? { __typename: "User", login: "octocat" },
    autoMergeRequest: null,
    repository: { nameWithOwner: spec.repo },
    commits: {
      totalCount: 1,
      nodes: [
        {
          commit: {
            oid: sha,
            committedDate: "2026-01-01T12:00:00Z",
            statusCheckRollup: {
              id: `SCR_${spec.number}`,
              state: "SUCCESS",
              contexts: {
                pageInfo: { hasNextPage: false, endCursor: "Y3Vyc29yOnYyOpHPAAAAA1M4AAA=" },
                nodes: [
                  {
                    __typename: "CheckRun",
                    name: "build",
                    status: "COMPLETED",
                    conclusion: "SUCCESS",
                    startedAt: "2026-01-01T12:01:00Z",
                    completedAt: "2026-01-01T12:05:00Z",
                  },
                  { __typename: "StatusContext", context: "ci/legacy", state: "SUCCESS", createdAt: "2026-01-01T12:06:00Z" },
                ],
              },
            },
          },
        },
      ],
    },
    latestOpinionatedReviews: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [{ state: "APPROVED" }] },
    reviewRequests: { totalCount: 0 },
    reviewThreads: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
    timelineItems: { nodes: [] },
  };
}

/** A closed or merged pull request as the gap-fill query returns it. */
export function closedNode(
  spec: PrSpec & { closedAt: string; mergedAt?: string | null; mergedBy?: string; closedBy?: string; autoMergeEnabledAt?: string },
): ClosedPullRequestNode {
  const merged = spec.mergedAt != null;
  const events: ClosedPullRequestNode["sweepCloseEvents"]["nodes"] = [];
  if (spec.autoMergeEnabledAt) events.push({ __typename: "AutoMergeEnabledEvent", createdAt: spec.autoMergeEnabledAt });
  events.push({ __typename: "ClosedEvent", createdAt: spec.closedAt, actor: { __typename: "User", login: spec.closedBy ?? spec.mergedBy ?? "octocat" } });
  return {
    ...prNode({ ...spec, state: merged ? "MERGED" : "CLOSED" }),
    closedAt: spec.closedAt,
    mergedAt: spec.mergedAt ?? null,
    mergedBy: merged ? { __typename: "User", login: spec.mergedBy ?? "octocat" } : null,
    sweepCloseEvents: { nodes: events },
  };
}

/** A `{ data }` body of the open-pull-requests query. */
export function openPage(
  nodes: PullRequestSnapshot[],
  next: string | null,
  remaining = 4900,
): { data: OpenPullRequestsPage } {
  return {
    data: {
      repository: { pullRequests: { pageInfo: { hasNextPage: next !== null, endCursor: next ?? (nodes.length ? "Y3Vyc29yOmxhc3Q=" : null) }, nodes } },
      rateLimit: { cost: 1, remaining, resetAt: "2026-02-05T10:00:00Z" },
    },
  };
}

/** GitHub's answer when a repository cannot be seen (HTTP 200, errors + null data). */
export function notFoundBody(owner: string, name: string) {
  return {
    data: { repository: null, rateLimit: { cost: 1, remaining: 4900, resetAt: "2026-02-05T10:00:00Z" } },
    errors: [
      {
        type: "NOT_FOUND",
        path: ["repository"],
        locations: [{ line: 2, column: 3 }],
        message: `Could not resolve to a Repository with the name '${owner}/${name}'.`,
      },
    ],
  };
}

/** A REST repository as apps.listReposAccessibleToInstallation lists it (the fields the sweep reads, and a few more). */
export function restRepo(fullName: string, id: number, archived = false) {
  const [owner, name] = fullName.split("/");
  return {
    id,
    node_id: `R_${id}`,
    name,
    full_name: fullName,
    private: false,
    owner: { login: owner, id: 1, type: "Organization" },
    html_url: `https://github.com/${fullName}`,
    archived,
    disabled: false,
    default_branch: "main",
  };
}

/**
 * GitHub's answer to the batched config query: `files` maps an alias (r0, r1, ... g0) to the
 * file's text, null for "no such file"; `missing` aliases are repositories GitHub cannot resolve
 * (an owner without a `.github` repository): null data plus a NOT_FOUND error, as GitHub answers.
 */
export function configsBody(files: Record<string, string | null>, missing: string[] = []) {
  const data: Record<string, unknown> = { rateLimit: { cost: 1, remaining: 4999, resetAt: "2026-02-05T10:00:00Z" } };
  for (const [alias, text] of Object.entries(files)) data[alias] = { file: text === null ? null : { __typename: "Blob", text } };
  for (const alias of missing) data[alias] = null;
  const body: Record<string, unknown> = { data };
  if (missing.length) {
    body.errors = missing.map((alias) => ({
      type: "NOT_FOUND",
      path: [alias],
      locations: [{ line: 2, column: 3 }],
      message: "Could not resolve to a Repository with the name 'octo/.github'.",
    }));
  }
  return body;
}

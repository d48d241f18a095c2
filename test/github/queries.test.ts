import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_TARGETS_PER_QUERY } from "../../src/github/fetch-snapshots.js";
import { CHECK_CONTEXTS_PAGE_QUERY } from "../../src/github/queries/check-contexts-page.js";
import { OPINIONATED_REVIEWS_PAGE_QUERY } from "../../src/github/queries/opinionated-reviews-page.js";
import {
  buildSnapshotQuery,
  PULL_REQUEST_SNAPSHOT_FRAGMENT,
} from "../../src/github/queries/pull-request-snapshot.js";
import { buildClosedPullRequestsQuery } from "../../src/github/queries/closed-pull-requests.js";
import { OPEN_PULL_REQUESTS_QUERY } from "../../src/github/queries/open-pull-requests.js";
import { buildPullRequestHistoriesQuery, HISTORIES_PER_QUERY, PULL_REQUEST_LIST_QUERY, TIMELINE_PAGE_QUERY } from "../../src/github/queries/pull-request-history.js";
import { buildRepoConfigsQuery } from "../../src/github/queries/repo-configs.js";
import { REVIEW_THREADS_PAGE_QUERY } from "../../src/github/queries/review-threads-page.js";
import { closedNode, configsBody, notFoundBody, openPage, prNode } from "../sweep/github-shapes.js";
import { possibleNodes } from "./node-count.js";
import { validationErrors } from "./schema.js";
import { shapeMismatches } from "./selection-keys.js";

/**
 * Arguments each query builder of src/github/queries is validated with: a builder missing here
 * fails the test below, so a new query cannot escape validation against GitHub's schema.
 */
const BUILDER_EXAMPLES: Record<string, unknown[][]> = {
  buildSnapshotQuery: [
    [[{ owner: "octo", repo: "app", number: 7 }]],
    [Array.from({ length: MAX_TARGETS_PER_QUERY }, (_, i) => ({ owner: i % 2 ? "octo" : "acme", repo: "app", number: i + 1 }))],
  ],
  buildClosedPullRequestsQuery: [
    ["octo", "app", [4711]],
    ["octo", "app", Array.from({ length: 25 }, (_, i) => 4711 + i)],
  ],
  buildRepoConfigsQuery: [[["octo/a"]], [["octo/a", "octo/b", "acme/c"]]],
  buildPullRequestHistoriesQuery: [
    ["octo", "app", [7]],
    ["octo", "app", Array.from({ length: 10 }, (_, i) => i + 1)],
  ],
};

const QUERIES_DIR = new URL("../../src/github/queries/", import.meta.url);

describe("every file of src/github/queries against GitHub's GraphQL schema", () => {
  const files = readdirSync(QUERIES_DIR).filter((f) => f.endsWith(".ts")).sort();

  it("finds the query files (the snapshot's and the sweep's)", () => {
    expect(files).toEqual(expect.arrayContaining(["pull-request-snapshot.ts", "open-pull-requests.ts", "closed-pull-requests.ts", "repo-configs.ts"]));
  });

  it.each(files)("%s: each query it exports or builds validates; each fragment or field list is used by one that does", async (file) => {
    const module = (await import(new URL(file, QUERIES_DIR).href)) as Record<string, unknown>;
    const queries: string[] = [];
    const parts: string[] = [];
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === "string") {
        (/^\s*query\b/.test(value) ? queries : parts).push(value);
      } else if (typeof value === "function") {
        const examples = BUILDER_EXAMPLES[name];
        expect(examples, `${file} exports ${name}: add example arguments to BUILDER_EXAMPLES`).toBeDefined();
        for (const args of examples!) queries.push((value as (...a: unknown[]) => { query: string }).apply(undefined, args).query);
      }
    }
    expect(queries.length + parts.length, `${file} exports no query`).toBeGreaterThan(0);
    for (const query of queries) expect(validationErrors(query)).toEqual([]);
    const everyQuery = await allQueries(files);
    for (const part of parts) expect(everyQuery.some((q) => q.includes(part)), `${file}: a part no validated query uses`).toBe(true);
  });
});

async function allQueries(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    const module = (await import(new URL(file, QUERIES_DIR).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === "string" && /^\s*query\b/.test(value)) out.push(value);
      const examples = BUILDER_EXAMPLES[name];
      if (typeof value === "function" && examples) for (const args of examples) out.push((value as (...a: unknown[]) => { query: string }).apply(undefined, args).query);
    }
  }
  return out;
}

describe("queries against GitHub's GraphQL schema", () => {
  it("a single pull request snapshot validates", () => {
    const { query, variables, aliases } = buildSnapshotQuery([{ owner: "octo", repo: "app", number: 7 }]);
    expect(validationErrors(query)).toEqual([]);
    expect(variables).toEqual({ o0: "octo", n0: "app", p0: 7 });
    expect(aliases.map((a) => [a.repoAlias, a.prAlias])).toEqual([["r0", "p0"]]);
  });

  it("an aliased query over two repositories validates and groups PRs per repository", () => {
    const { query, variables, aliases } = buildSnapshotQuery([
      { owner: "octo", repo: "app", number: 1 },
      { owner: "acme", repo: "web", number: 2 },
      { owner: "Octo", repo: "App", number: 3 },
      { owner: "octo", repo: "app", number: 1 },
    ]);
    expect(validationErrors(query)).toEqual([]);
    expect(variables).toEqual({ o0: "octo", n0: "app", p0: 1, o1: "acme", n1: "web", p1: 2, p2: 3 });
    expect(aliases.map((a) => `${a.repoAlias}.${a.prAlias}`)).toEqual(["r0.p0", "r1.p1", "r0.p2"]);
    expect(query.match(/repository\(/g)).toHaveLength(2);
    expect(query.match(/pullRequest\(/g)).toHaveLength(3);
  });

  it("hostile owner/repo values travel as variables, never in the query text", () => {
    const owner = 'o"w\\n,e=r 🚀\\';
    const { query, variables } = buildSnapshotQuery([{ owner, repo: "r}{", number: 1 }]);
    expect(validationErrors(query)).toEqual([]);
    expect(query).not.toContain(owner);
    expect(variables["o0"]).toBe(owner);
  });

  it("the fragment can be spread by another query (the sweep selects it for 50 PRs a page)", () => {
    const sweep = `query Sweep($o: String!, $n: String!) {
      repository(owner: $o, name: $n) {
        pullRequests(first: 50, states: OPEN) { nodes { ...PullRequestSnapshot } }
      }
    }
    ${PULL_REQUEST_SNAPSHOT_FRAGMENT}`;
    expect(validationErrors(sweep)).toEqual([]);
  });

  it.each([
    ["check contexts", CHECK_CONTEXTS_PAGE_QUERY],
    ["review threads", REVIEW_THREADS_PAGE_QUERY],
    ["opinionated reviews", OPINIONATED_REVIEWS_PAGE_QUERY],
  ])("the %s follow-up page validates", (_name, query) => {
    expect(validationErrors(query)).toEqual([]);
  });

  it("the fragment selects no deprecated field (pushedDate, DRAFT merge state are gone)", () => {
    expect(PULL_REQUEST_SNAPSHOT_FRAGMENT).not.toMatch(/pushedDate/);
  });

  it("a wrong query fails validation (so the checks above can fail)", () => {
    const wrong = buildSnapshotQuery([{ owner: "o", repo: "r", number: 1 }]).query.replace(
      "headRefOid",
      "headSha",
    );
    expect(validationErrors(wrong)).toEqual([
      'Cannot query field "headSha" on type "PullRequest". Did you mean "headRef"?',
    ]);
    expect(validationErrors("query { viewer { login } repository(owner: 1) { id } }").length).toBeGreaterThan(0);
  });

  it("rejects an empty target list", () => {
    expect(() => buildSnapshotQuery([])).toThrow(/at least one target/);
  });
});

describe("the sweep's queries", () => {
  it("the open pull requests page asks a page after a cursor, with rateLimit", () => {
    expect(OPEN_PULL_REQUESTS_QUERY).toContain("pullRequests(states: OPEN, first: $first, after: $after");
    expect(OPEN_PULL_REQUESTS_QUERY).toContain("rateLimit { cost remaining resetAt }");
  });

  it("the gap-fill query: numbers travel as variables", () => {
    const { variables, query } = buildClosedPullRequestsQuery("octo", "app", [4711, 4712]);
    expect(variables).toMatchObject({ owner: "octo", name: "app", p0: 4711, p1: 4712 });
    expect(query).not.toContain("4711");
  });

  it("the config query asks each owner's .github once", () => {
    const { variables, aliases } = buildRepoConfigsQuery(["octo/a", "octo/b", "acme/c"]);
    expect(variables).toEqual({ expression: "HEAD:.github/pr-telemetry.yml", defaults: ".github", o0: "octo", n0: "a", o1: "octo", n1: "b", o2: "acme", n2: "c" });
    expect([...aliases]).toEqual([["octo/a", "r0"], ["octo/b", "r1"], ["acme/c", "r2"], ["octo/.github", "g0"], ["acme/.github", "g1"]]);
  });

  it("the test answers have exactly the shape the queries select (so nock replies are true to GitHub)", () => {
    const page = openPage([prNode({ repo: "octo/app", number: 1 })], "Y3Vyc29yOjE=");
    expect(shapeMismatches(OPEN_PULL_REQUESTS_QUERY, page.data)).toEqual([]);
    const { query } = buildClosedPullRequestsQuery("octo", "app", [5]);
    const merged = closedNode({ repo: "octo/app", number: 5, closedAt: "2026-02-05T08:30:00Z", mergedAt: "2026-02-05T08:30:00Z", autoMergeEnabledAt: "2026-02-05T08:00:00Z" });
    expect(shapeMismatches(query, { repository: { p0: merged }, rateLimit: { cost: 1, remaining: 1, resetAt: "x" } })).toEqual([]);
    expect(shapeMismatches(OPEN_PULL_REQUESTS_QUERY, notFoundBody("octo", "gone").data)).toEqual([]);
    const configs = buildRepoConfigsQuery(["octo/a", "octo/b", "acme/c"]).query;
    expect(shapeMismatches(configs, configsBody({ r0: "enabled: false\n", r1: null, r2: null, g0: null }, ["g1"]).data)).toEqual([]);
  });
});

describe("node budget (GitHub refuses a query over 500,000 possible nodes)", () => {
  it("one snapshot asks for 302 nodes; 50 in a sweep page about 15,000; a full fetch chunk under 10,000", () => {
    const single = buildSnapshotQuery([{ owner: "o", repo: "r", number: 1 }]).query;
    // commits(last: 1) 1 + contexts 1 x 100 + latestOpinionatedReviews 100 + reviewThreads 100 + timelineItems 1
    expect(possibleNodes(single)).toBe(302);
    const sweep = `query { repository(owner: "o", name: "r") { pullRequests(first: 50) { nodes { ...PullRequestSnapshot } } } }
    ${PULL_REQUEST_SNAPSHOT_FRAGMENT}`;
    expect(possibleNodes(sweep)).toBe(50 + 50 * 302);
    const chunk = buildSnapshotQuery(
      Array.from({ length: MAX_TARGETS_PER_QUERY }, (_, i) => ({ owner: "o", repo: "r", number: i + 1 })),
    ).query;
    expect(possibleNodes(chunk)).toBe(MAX_TARGETS_PER_QUERY * 302);
    expect(possibleNodes(chunk)).toBeLessThan(10_000);
  });
});

describe("the backfill's history query", () => {
  it("ten pull requests a request stay under GitHub's 500,000-node limit, timeline pages and check runs of 100 included", () => {
    const { query, variables } = buildPullRequestHistoriesQuery("o", "r", Array.from({ length: HISTORIES_PER_QUERY }, (_, i) => i + 1));
    expect(Object.keys(variables)).toHaveLength(2 + HISTORIES_PER_QUERY);
    const nodes = possibleNodes(query);
    expect(nodes).toBeGreaterThan(HISTORIES_PER_QUERY * 100 * 100);
    expect(nodes).toBeLessThan(500_000);
    expect(validationErrors(TIMELINE_PAGE_QUERY)).toEqual([]);
    expect(validationErrors(PULL_REQUEST_LIST_QUERY)).toEqual([]);
  });
});


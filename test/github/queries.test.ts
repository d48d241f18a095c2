import { describe, expect, it } from "vitest";
import { MAX_TARGETS_PER_QUERY } from "../../src/github/fetch-snapshots.js";
import { CHECK_CONTEXTS_PAGE_QUERY } from "../../src/github/queries/check-contexts-page.js";
import { OPINIONATED_REVIEWS_PAGE_QUERY } from "../../src/github/queries/opinionated-reviews-page.js";
import {
  buildSnapshotQuery,
  PULL_REQUEST_SNAPSHOT_FRAGMENT,
} from "../../src/github/queries/pull-request-snapshot.js";
import { REVIEW_THREADS_PAGE_QUERY } from "../../src/github/queries/review-threads-page.js";
import { possibleNodes } from "./node-count.js";
import { validationErrors } from "./schema.js";

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

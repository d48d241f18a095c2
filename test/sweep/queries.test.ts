import { describe, expect, it } from "vitest";
import { buildClosedPullRequestsQuery } from "../../src/github/queries/closed-pull-requests.js";
import { OPEN_PULL_REQUESTS_QUERY } from "../../src/github/queries/open-pull-requests.js";
import { validationErrors } from "../github/schema.js";
import { shapeMismatches } from "../github/selection-keys.js";
import { closedNode, notFoundBody, openPage, prNode } from "./github-shapes.js";

describe("the sweep's queries against GitHub's GraphQL schema", () => {
  it("the open pull requests page validates, with rateLimit", () => {
    expect(validationErrors(OPEN_PULL_REQUESTS_QUERY)).toEqual([]);
    expect(OPEN_PULL_REQUESTS_QUERY).toContain("pullRequests(states: OPEN, first: $first, after: $after");
    expect(OPEN_PULL_REQUESTS_QUERY).toContain("rateLimit { cost remaining resetAt }");
  });

  it("the gap-fill query validates for 1 and for 25 pull requests; numbers travel as variables", () => {
    for (const n of [1, 25]) {
      const numbers = Array.from({ length: n }, (_, i) => 4711 + i);
      const { query, variables } = buildClosedPullRequestsQuery("octo", "app", numbers);
      expect(validationErrors(query)).toEqual([]);
      expect(variables).toMatchObject({ owner: "octo", name: "app", p0: 4711 });
      expect(query).not.toContain("4711");
    }
  });

  it("the test answers have exactly the shape the queries select (so nock replies are true to GitHub)", () => {
    const page = openPage([prNode({ repo: "octo/app", number: 1 })], "Y3Vyc29yOjE=");
    expect(shapeMismatches(OPEN_PULL_REQUESTS_QUERY, page.data)).toEqual([]);
    const { query } = buildClosedPullRequestsQuery("octo", "app", [5]);
    const merged = closedNode({ repo: "octo/app", number: 5, closedAt: "2026-02-05T08:30:00Z", mergedAt: "2026-02-05T08:30:00Z", autoMergeEnabledAt: "2026-02-05T08:00:00Z" });
    expect(shapeMismatches(query, { repository: { p0: merged }, rateLimit: { cost: 1, remaining: 1, resetAt: "x" } })).toEqual([]);
    expect(shapeMismatches(OPEN_PULL_REQUESTS_QUERY, notFoundBody("octo", "gone").data)).toEqual([]);
  });
});

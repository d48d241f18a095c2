import { parse } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { Budget, graphqlCost } from "./budget.js";
import { startFakeGitHub, type FakeGitHub } from "./start-fake-github.js";

describe("the fake GitHub's budget rules", () => {
  it("prices a query by GitHub's documented formula (the docs' own example costs 51)", () => {
    const docsExample = `query { viewer { login repositories(first: 100) { edges { node { id
      issues(first: 50) { edges { node { id labels(first: 60) { edges { node { id name } } } } } } } } } } }`;
    // 1 (repositories) + 100 (issues, once per repository) + 5,000 (labels, once per issue) = 5,101 → 51.
    expect(graphqlCost(parse(docsExample))).toBe(51);
    expect(graphqlCost(parse("query { viewer { login } }"))).toBe(1);
    expect(graphqlCost(parse("query($n: Int!) { repository(owner: \"a\", name: \"b\") { pullRequests(first: $n) { nodes { labels(first: 100) { nodes { name } } } } } }"), { n: 100 })).toBe(1); // 1 + 100 = 101 → 1.01 → 1
  });

  it("admits up to 2,000 GraphQL points a minute, then answers secondary with a retry-after until the minute has passed", () => {
    const budget = new Budget();
    const t0 = 1_000_000;
    for (let i = 0; i < 39; i++) expect(budget.admit("7", 51, true, t0 + i)).toBeUndefined();
    expect(budget.admit("7", 51, true, t0 + 100)).toEqual({ kind: "secondary", retryAfterSeconds: 60 });
    expect(budget.admit("8", 51, true, t0 + 100)).toBeUndefined(); // another installation has its own
    expect(budget.admit("7", 51, true, t0 + 60_001)).toBeUndefined();
  });

  it("5,000 points an hour per installation; at most 100 requests in flight", () => {
    const budget = new Budget({ graphqlPointsPerMinute: 1e9 });
    for (let i = 0; i < 100; i++) expect(budget.admit("7", 50, true)).toBeUndefined();
    expect(budget.admit("7", 1, false)).toEqual({ kind: "secondary", retryAfterSeconds: 1 });
    for (let i = 0; i < 100; i++) budget.done("7");
    expect(budget.admit("7", 1, false)).toMatchObject({ kind: "primary" });
    expect(budget.used.get("7")).toBe(5000);
  });

  describe("over HTTP", () => {
    let gh: FakeGitHub;
    afterEach(async () => gh?.close());

    it("answers GitHub's shapes: 403 + retry-after over the minute's points, RATE_LIMITED (403, remaining 0) once the hour's are spent", async () => {
      gh = await startFakeGitHub({ personalTokens: ["tok"], budget: { graphqlPointsPerMinute: 3, pointsPerHour: 4 } });
      const ask = () => fetch(gh.graphqlUrl, { method: "POST", headers: { authorization: "token tok" }, body: JSON.stringify({ query: "query { viewer { login } }" }) });
      for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(200);
      const secondary = await ask();
      expect(secondary.status).toBe(403);
      expect(secondary.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(((await secondary.json()) as { message: string }).message).toMatch(/secondary rate limit/);
      expect(gh.requests.entries.map((e) => e.points)).toEqual([1, 1, 1, 1]);

      gh.budget!.used.set("personal", 4);
      const primary = await fetch(`${gh.restUrl}/repos/a/b`, { headers: { authorization: "token tok" } });
      expect(primary.status).toBe(403);
      expect(primary.headers.get("x-ratelimit-remaining")).toBe("0");
    });
  });
});

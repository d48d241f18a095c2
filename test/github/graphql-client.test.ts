import { inspect } from "node:util";
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { GitHubError } from "../../src/errors.js";
import { graphqlClient, withHalvingPages, type GraphqlFn, type GraphqlPolicy } from "../../src/github/graphql-client.js";
import { freePort } from "../helpers/app-process.js";

// Probot's retry and throttling plugins off: what is tested is the client's own policy on top.
const API = "https://api.github.com";
const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const graphqlAt = (baseUrl = API): GraphqlFn => new TestOctokit({ auth: { token: TOKEN }, baseUrl }).graphql as GraphqlFn;
const QUERY = "query Viewer { viewer { login } }";
const VIEWER = { data: { viewer: { login: "octocat" } } };

// GitHub's own bodies (REST docs: rate limits; GraphQL: errors with `type`).
const SECONDARY = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1234:5678:9ABC.",
  documentation_url: "https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api#secondary-rate-limits",
};
const BAD_GATEWAY = "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n";

function sweepPolicy(waits: number[], overrides: Partial<NonNullable<GraphqlPolicy["retryAfter"]>> = {}): GraphqlPolicy {
  return { retryAfter: { log: pino({ level: "silent" }), sleep: async (ms) => void waits.push(ms), ...overrides } };
}

async function failureOf(call: () => Promise<unknown>): Promise<GitHubError> {
  const error = await call().then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as GitHubError;
}

describe("graphqlClient: retries on top of Probot's plugins", () => {
  it("waits out a secondary rate limit's retry-after (403) and asks again, when the policy says so", async () => {
    const limited = nock(API).post("/graphql").reply(403, SECONDARY, { "retry-after": "3" });
    const ok = nock(API).post("/graphql").reply(200, VIEWER);
    const waits: number[] = [];
    expect(await graphqlClient(graphqlAt(), sweepPolicy(waits)).data(QUERY, {})).toEqual({ viewer: { login: "octocat" } });
    expect(limited.isDone() && ok.isDone()).toBe(true);
    expect(waits).toEqual([3000]);
  });

  it("a 429 with retry-after is waited out the same way", async () => {
    const limited = nock(API).post("/graphql").reply(429, SECONDARY, { "retry-after": "1" });
    const ok = nock(API).post("/graphql").reply(200, VIEWER);
    const waits: number[] = [];
    await graphqlClient(graphqlAt(), sweepPolicy(waits)).data(QUERY, {});
    expect(limited.isDone() && ok.isDone()).toBe(true);
    expect(waits).toEqual([1000]);
  });

  it("a secondary limit without retry-after waits GitHub's documented minute", async () => {
    nock(API).post("/graphql").reply(403, SECONDARY);
    nock(API).post("/graphql").reply(200, VIEWER);
    const waits: number[] = [];
    await graphqlClient(graphqlAt(), sweepPolicy(waits)).data(QUERY, {});
    expect(waits).toEqual([60_000]);
  });

  it("gives up after its retries, with a GitHubError that says the limit held and what happens next", async () => {
    const limited = nock(API).post("/graphql").times(3).reply(403, SECONDARY, { "retry-after": "2" });
    const waits: number[] = [];
    const error = await failureOf(() => graphqlClient(graphqlAt(), sweepPolicy(waits)).data(QUERY, {}, { targets: ["octo/app"] }));
    expect(limited.isDone()).toBe(true);
    expect(waits).toEqual([2000, 2000]);
    expect(error.message).toBe("GitHub's secondary rate limit held after waiting its retry-after; the next sweep tries again");
    expect(error).toMatchObject({ status: 403, targets: ["octo/app"], detail: { retryAfter: 2 } });
  });

  it("a retry-after longer than the policy's longest wait fails at once", async () => {
    nock(API).post("/graphql").reply(403, SECONDARY, { "retry-after": "600" });
    const waits: number[] = [];
    await failureOf(() => graphqlClient(graphqlAt(), sweepPolicy(waits, { maxWaitSeconds: 120 })).data(QUERY, {}));
    expect(waits).toEqual([]);
  });

  it("without a policy (the webhook path) nothing is waited: Probot's throttling and the observer retry", async () => {
    const limited = nock(API).post("/graphql").reply(403, SECONDARY, { "retry-after": "3" });
    const error = await failureOf(() => graphqlClient(graphqlAt()).data(QUERY, {}));
    expect(limited.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
    expect(error.status).toBe(403);
  });

  it("a 502 is not retried by the client (Probot's retry plugin does that): it fails with what to do", async () => {
    const scope = nock(API).post("/graphql").reply(502, BAD_GATEWAY, { "content-type": "text/html" });
    const error = await failureOf(() => graphqlClient(graphqlAt(), sweepPolicy([])).data(QUERY, {}));
    expect(scope.isDone()).toBe(true);
    expect(error.message).toBe("GitHub answered 502 after retries; the next sweep tries again");
    expect(error.status).toBe(502);
  });
});

describe("withHalvingPages: a page GitHub fails as too big is asked again, halved", () => {
  const PAGE = "query Page($first: Int!) { viewer { repositories(first: $first) { totalCount } } }";
  const pageAnswer = { data: { viewer: { repositories: { totalCount: 3 } } } };

  it("a 502 at 50 is asked again at 25, and the size that worked is returned for the next pages", async () => {
    const failing = nock(API).post("/graphql", (b) => b.variables.first === 50).reply(502, BAD_GATEWAY, { "content-type": "text/html" });
    const half = nock(API).post("/graphql", (b) => b.variables.first === 25).reply(200, pageAnswer);
    const client = graphqlClient(graphqlAt());
    const halved: number[] = [];
    const result = await withHalvingPages((first) => client.data(PAGE, { first }), { pageSize: 50, onHalve: (n) => halved.push(n) });
    expect(failing.isDone() && half.isDone()).toBe(true);
    expect(result).toEqual({ value: { viewer: { repositories: { totalCount: 3 } } }, pageSize: 25 });
    expect(halved).toEqual([25]);
  });

  it("MAX_NODE_LIMIT_EXCEEDED (HTTP 200, GraphQL error) is halved too", async () => {
    nock(API)
      .post("/graphql", (b) => b.variables.first === 100)
      .reply(200, {
        errors: [{ type: "MAX_NODE_LIMIT_EXCEEDED", message: "This query requests up to 1,010,100 possible nodes which exceeds the maximum limit of 500,000." }],
      });
    const half = nock(API).post("/graphql", (b) => b.variables.first === 50).reply(200, pageAnswer);
    const client = graphqlClient(graphqlAt());
    const result = await withHalvingPages((first) => client.data(PAGE, { first }), { pageSize: 100 });
    expect(half.isDone()).toBe(true);
    expect(result.pageSize).toBe(50);
  });

  it("GitHub's GraphQL timeout (HTTP 200, data null, an error without type) is halved too", async () => {
    nock(API)
      .post("/graphql", (b) => b.variables.first === 40)
      .reply(200, {
        data: null,
        errors: [{ message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `C2D0:3B5A:1F0E2B5:20C1A17:65A0B1C2` when reporting this issue." }],
      });
    nock(API).post("/graphql", (b) => b.variables.first === 20).reply(200, pageAnswer);
    const client = graphqlClient(graphqlAt());
    expect((await withHalvingPages((first) => client.data(PAGE, { first }), { pageSize: 40 })).pageSize).toBe(20);
  });

  it("stops at the smallest page: 50, 25, 12, 10 all 502, then the 502 is thrown", async () => {
    const scopes = [50, 25, 12, 10].map((first) =>
      nock(API).post("/graphql", (b) => b.variables.first === first).reply(502, BAD_GATEWAY, { "content-type": "text/html" }),
    );
    const client = graphqlClient(graphqlAt());
    const error = await failureOf(() => withHalvingPages((first) => client.data(PAGE, { first }), { pageSize: 50 }));
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(error.status).toBe(502);
  });

  it("a FORBIDDEN is not about the page size: thrown at once", async () => {
    const scope = nock(API)
      .post("/graphql")
      .reply(200, { data: { viewer: null }, errors: [{ type: "FORBIDDEN", path: ["viewer"], message: "Resource not accessible by integration" }] });
    const client = graphqlClient(graphqlAt());
    const error = await failureOf(() => withHalvingPages((first) => client.data(PAGE, { first }), { pageSize: 50 }));
    expect(scope.isDone()).toBe(true);
    expect(error.message).toBe(
      "forbidden (403): the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation",
    );
    expect(error.errorTypes).toEqual(["FORBIDDEN"]);
  });

  it("a network failure is not about the page size either: one try, a GitHubError naming host and code", async () => {
    const port = await freePort();
    const client = graphqlClient(graphqlAt(`http://127.0.0.1:${port}/api/v3`));
    let asked = 0;
    const error = await failureOf(() =>
      withHalvingPages(
        (first) => {
          asked++;
          return client.data(PAGE, { first });
        },
        { pageSize: 50 },
      ),
    );
    expect(asked).toBe(1);
    expect(error.detail.network).toEqual({ code: "ECONNREFUSED", host: `127.0.0.1:${port}` });
    expect(error.message).toBe(
      `could not reach 127.0.0.1:${port} (ECONNREFUSED: a network error, the connection was refused or cut): check GHE_HOST, GHE_PROTOCOL and that the server is up; the next sweep tries again`,
    );
  });
});

describe("graphqlClient: partial data", () => {
  // Two pull requests in one aliased query; GitHub refuses #999 and answers #7 (HTTP 200).
  const ALIASED = `query Two($o0: String!, $n0: String!, $p0: Int!, $p1: Int!) {
  r0: repository(owner: $o0, name: $n0) { p0: pullRequest(number: $p0) { number } p1: pullRequest(number: $p1) { number } }
}`;
  const partial = {
    data: { r0: { p0: { number: 7 }, p1: null } },
    errors: [{ type: "NOT_FOUND", path: ["r0", "p1"], locations: [{ line: 2, column: 82 }], message: "Could not resolve to a PullRequest with the number of 999." }],
  };
  const aliases = [
    { repoAlias: "r0", prAlias: "p0" },
    { repoAlias: "r0", prAlias: "p1" },
  ];

  it("aliased: one failing alias does not fail the others", async () => {
    nock(API).post("/graphql").reply(200, partial);
    const answer = await graphqlClient(graphqlAt()).aliased(ALIASED, { o0: "octo", n0: "app", p0: 7, p1: 999 }, aliases);
    expect(answer.results.get(aliases[0]!)).toEqual({ ok: true, value: { number: 7 } });
    expect(answer.results.get(aliases[1]!)).toEqual({ ok: false, errors: [partial.errors[0]] });
    expect(answer.unattributed).toEqual([]);
  });

  it("answer: data and errors as GitHub sent them", async () => {
    nock(API).post("/graphql").reply(200, partial);
    expect(await graphqlClient(graphqlAt()).answer(ALIASED, {})).toEqual({ data: partial.data, errors: partial.errors });
  });

  it("data: the partial data when every error is tolerated, a GitHubError otherwise", async () => {
    nock(API).post("/graphql").twice().reply(200, partial);
    const client = graphqlClient(graphqlAt());
    expect(await client.data(ALIASED, {}, { tolerate: (e) => e.type === "NOT_FOUND" })).toEqual(partial.data);
    const error = await failureOf(() => client.data(ALIASED, {}, { targets: ["octo/app#999"] }));
    expect(error.message).toMatch(/^not found \(404\): /);
    expect(error).toMatchObject({ errorTypes: ["NOT_FOUND"], targets: ["octo/app#999"], status: 0 });
  });
});

describe("graphqlClient: errors say what to do and never carry the token", () => {
  it.each([
    [401, { message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" }, "unauthorized (401): check APP_ID and PRIVATE_KEY, or GITHUB_TOKEN"],
    [
      403,
      { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/graphql" },
      "forbidden (403): the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation",
    ],
    [404, { message: "Not Found", documentation_url: "https://docs.github.com/graphql" }, "not found (404): the repository was deleted or renamed, or the app lost access to it (uninstalled, or the repository removed from the installation)"],
    [429, { message: "API rate limit exceeded for installation ID 42.", documentation_url: "https://docs.github.com/graphql" }, "rate limit exhausted: GitHub's budget for this installation resets within the hour; the next sweep tries again"],
    [422, { message: "Validation Failed", documentation_url: "https://docs.github.com/graphql" }, "GitHub answered 422: Validation Failed - https://docs.github.com/graphql"],
  ])("HTTP %i", async (status, body, message) => {
    nock(API).post("/graphql").reply(status, body);
    const error = await failureOf(() => graphqlClient(graphqlAt()).data(QUERY, {}));
    expect(error.message).toBe(message);
    expect(error.status).toBe(status);
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it("RATE_LIMITED (HTTP 200, GraphQL error): the budget resets within the hour", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, { errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded for installation ID 42." }] });
    const error = await failureOf(() => graphqlClient(graphqlAt()).data(QUERY, {}));
    expect(error.message).toBe("rate limit exhausted: GitHub's budget for this installation resets within the hour; the next sweep tries again");
    expect(error.errorTypes).toEqual(["RATE_LIMITED"]);
  });
});

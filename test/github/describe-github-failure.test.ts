import nock from "nock";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { GitHubError } from "../../src/errors.js";
import {
  describeGitHubFailure,
  describeGraphqlRefusal,
  graphqlRefusalError,
  isSecondaryRateLimit,
  networkFailureOf,
  SNAPSHOT_NEXT,
  SWEEP_NEXT,
  toGitHubError,
} from "../../src/github/describe-github-failure.js";
import { fetchSnapshots } from "../../src/github/fetch-snapshots.js";
import { graphqlClient, type GraphqlFn } from "../../src/github/graphql-client.js";
import { freePort } from "../helpers/app-process.js";

const API = "https://api.github.com";
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const octokitAt = (baseUrl = API) => new TestOctokit({ auth: { token: "ghs_test" }, baseUrl });

async function octokitFailure(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("toGitHubError keeps what describeGitHubFailure reads", () => {
  it.each([
    ["a 502", () => nock(API).post("/graphql").reply(502, "<html>502 Bad Gateway</html>", { "content-type": "text/html" })],
    ["a secondary rate limit", () => nock(API).post("/graphql").reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "30" })],
    ["a GraphQL NOT_FOUND", () => nock(API).post("/graphql").reply(200, { data: { repository: null }, errors: [{ type: "NOT_FOUND", path: ["repository"], message: "Could not resolve to a Repository with the name 'octo/gone'." }] })],
    ["a 422", () => nock(API).post("/graphql").reply(422, { message: "Validation Failed" })],
  ])("%s: the same text and the same secondary-limit verdict from the GitHubError as from octokit's error", async (_name, reply) => {
    reply();
    const raw = await octokitFailure(() => octokitAt().graphql("query { viewer { login } }"));
    const typed = toGitHubError(raw, ["octo/app"]);
    expect(typed).toBeInstanceOf(GitHubError);
    expect(typed.message).toBe(describeGitHubFailure(raw));
    expect(describeGitHubFailure(typed)).toBe(describeGitHubFailure(raw));
    expect(isSecondaryRateLimit(typed)).toBe(isSecondaryRateLimit(raw));
    expect(typed.targets).toEqual(["octo/app"]);
  });

  it("a network failure stays one (octokit calls it a 500)", async () => {
    const port = await freePort();
    const raw = await octokitFailure(() => octokitAt(`http://127.0.0.1:${port}/api/v3`).graphql("query { viewer { login } }"));
    const typed = toGitHubError(raw);
    expect(networkFailureOf(typed)).toEqual({ code: "ECONNREFUSED", host: `127.0.0.1:${port}` });
    expect(describeGitHubFailure(typed)).toBe(describeGitHubFailure(raw));
  });

  it("`what` prefixes the message, also of an error already typed", async () => {
    nock(API).get("/app/installations").query(true).reply(401, { message: "Bad credentials" });
    const raw = await octokitFailure(() => octokitAt().request("GET /app/installations"));
    const typed = toGitHubError(raw, [], "could not list the app's installations");
    expect(typed.message).toBe("could not list the app's installations: unauthorized (401): check APP_ID and PRIVATE_KEY, or GITHUB_TOKEN");
    expect(toGitHubError(new GitHubError("GitHub answered 404", [], 404), [], "reading octo/app").message).toBe("reading octo/app: GitHub answered 404");
  });
});

describe("one wording for the webhook path and the sweep", () => {
  // Each failure as GitHub sends it, answered once to the sweep's GraphQL client and once to
  // fetchSnapshots (the webhook path): the same cause and advice, only "what happens next" differs.
  const failures: Array<[string, () => nock.Scope]> = [
    ["a 502", () => nock(API).post("/graphql").reply(502, "<html>502 Bad Gateway</html>", { "content-type": "text/html" })],
    ["a 401", () => nock(API).post("/graphql").reply(401, { message: "Bad credentials" })],
    ["a 403", () => nock(API).post("/graphql").reply(403, { message: "Resource not accessible by integration" })],
    ["a secondary rate limit", () => nock(API).post("/graphql").reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "30" })],
    ["a 429", () => nock(API).post("/graphql").reply(429, { message: "API rate limit exceeded for installation ID 42." })],
  ];

  it.each(failures)("%s: fetchSnapshots says what describeGitHubFailure says, with the snapshot's next step", async (_name, reply) => {
    reply();
    const raw = await octokitFailure(() => octokitAt().graphql("query { viewer { login } }"));
    reply();
    const fetched = await octokitFailure(() => fetchSnapshots(octokitAt().graphql as GraphqlFn, [{ owner: "octo", repo: "app", number: 7 }]));
    expect(fetched).toBeInstanceOf(GitHubError);
    expect((fetched as GitHubError).message).toBe(`could not fetch the snapshot of octo/app#7: ${describeGitHubFailure(raw, SNAPSHOT_NEXT)}`);
    reply();
    const swept = await octokitFailure(() => graphqlClient(octokitAt().graphql as GraphqlFn).data("query { viewer { login } }", {}));
    expect((swept as GitHubError).message).toBe(describeGitHubFailure(raw, SWEEP_NEXT));
  });

  it("a GraphQL FORBIDDEN on one pull request gives the advice of an HTTP 403, after GitHub's words", () => {
    const forbidden = { type: "FORBIDDEN", path: ["r0", "p0"], message: "Resource not accessible by integration" };
    expect(describeGraphqlRefusal([forbidden])).toBe(
      "FORBIDDEN: Resource not accessible by integration (the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation)",
    );
    expect(describeGitHubFailure(Object.assign(new Error("Resource not accessible by integration"), { status: 403 }))).toBe(
      "forbidden (403): the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation",
    );
  });

  it("an unknown GraphQL error: GitHub's words (not octokit's 'Request failed due to following response errors'), then the next step", async () => {
    nock(API).post("/graphql").reply(200, { data: null, errors: [{ message: "Something went wrong while executing your query." }] });
    const raw = await octokitFailure(() => octokitAt().graphql("query { viewer { login } }"));
    expect(toGitHubError(raw, ["octo/app"]).message).toBe("Something went wrong while executing your query.");
    expect(graphqlRefusalError([{ message: "Something went wrong while executing your query." }], ["octo/app#7"], "could not fetch the snapshot of octo/app#7", SNAPSHOT_NEXT).message).toBe(
      "could not fetch the snapshot of octo/app#7: Something went wrong while executing your query.; the snapshot is fetched again on the next event or sweep",
    );
  });
});

import nock from "nock";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { GitHubError } from "../../src/errors.js";
import {
  describeGitHubFailure,
  isSecondaryRateLimit,
  networkFailureOf,
  toGitHubError,
} from "../../src/github/describe-github-failure.js";
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

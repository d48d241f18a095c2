import { inspect } from "node:util";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { GitHubError } from "../../src/errors.js";
import { CommitPullRequests } from "../../src/github/commit-pull-requests.js";

const API = "https://api.github.com";
const TOKEN = "ghs_commitlookup000000000000000000000000";
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe("CommitPullRequests: the webhook path's commit look-up", () => {
  it("a failure after Probot's retries is a GitHubError worded as the snapshot's, without the token; the next call asks again", async () => {
    nock(API).get(`/repos/octo/app/commits/${SHA}/pulls`).query(true).reply(502, "<html>502 Bad Gateway</html>", { "content-type": "text/html" });
    nock(API).get(`/repos/octo/app/commits/${SHA}/pulls`).query(true).reply(200, []);
    const lookups = new CommitPullRequests();
    const octokit = new TestOctokit({ auth: { token: TOKEN } });

    const error = (await lookups.find(octokit, "octo", "app", SHA).catch((e: unknown) => e)) as GitHubError;

    expect(error).toBeInstanceOf(GitHubError);
    expect(error.message).toBe(
      `could not find the pull requests of commit ${SHA} in octo/app: GitHub answered 502 after retries; the snapshot is fetched again on the next event or sweep`,
    );
    expect(error).toMatchObject({ status: 502, targets: ["octo/app"] });
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    expect(await lookups.find(octokit, "octo", "app", SHA)).toEqual([]);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { GitHubError } from "../../src/errors.js";
import { fetchSnapshots } from "../../src/github/fetch-snapshots.js";
import type { GraphqlFn } from "../../src/github/graphql-client.js";
import { networkFailure } from "../../src/github/network-failure.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { openStore } from "../../src/store/open-store.js";
import { describeGitHubFailure } from "../../src/github/describe-github-failure.js";
import { runSweep } from "../../src/sweep/run-sweep.js";
import { freePort } from "../helpers/app-process.js";

// Real failures, no network: `.invalid` never resolves (RFC 6761), and a closed loopback port refuses.
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const octokitAt = (baseUrl: string) => new TestOctokit({ auth: { token: "ghs_test" }, baseUrl });

afterEach(() => {
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});

async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("a GitHub that cannot be reached is reported as a network error", () => {
  it("an unresolvable GHE_HOST: a network/DNS error naming the host and the code, not 'GitHub answered 500'", async () => {
    nock.enableNetConnect(/nonexistent\.invalid/);
    const error = await failureOf(() => octokitAt("https://nonexistent.invalid/api/v3").graphql("query { viewer { login } }"));
    expect((error as { status?: number }).status).toBe(500); // what octokit makes of it
    expect(networkFailure(error)).toEqual({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/), host: "nonexistent.invalid" });
    expect(describeGitHubFailure(error)).toMatch(
      /^could not reach nonexistent\.invalid \((ENOTFOUND|EAI_AGAIN): a network\/DNS error, the host name does not resolve\): check GHE_HOST/,
    );
  });

  it("a refused connection names host:port and says the connection was refused", async () => {
    const port = await freePort();
    const error = await failureOf(() => octokitAt(`http://127.0.0.1:${port}/api/v3`).request("GET /app/installations"));
    expect(describeGitHubFailure(error)).toBe(
      `could not reach 127.0.0.1:${port} (ECONNREFUSED: a network error, the connection was refused or cut): check GHE_HOST, GHE_PROTOCOL and that the server is up; the next sweep tries again`,
    );
  });

  it("the app's snapshot fetch says so too, naming the pull request", async () => {
    nock.enableNetConnect(/nonexistent\.invalid/);
    const graphql = octokitAt("https://nonexistent.invalid/api/v3").graphql as GraphqlFn;
    const error = await failureOf(() => fetchSnapshots(graphql, [{ owner: "acme", repo: "widgets", number: 7 }]));
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as Error).message).toMatch(
      /^could not fetch the snapshot of acme\/widgets#7: could not reach nonexistent\.invalid \((ENOTFOUND|EAI_AGAIN): a network\/DNS error, the host name does not resolve\): check GHE_HOST \(unset for github\.com\), the DNS and the network; nothing was read from GitHub; the snapshot is fetched again on the next event or sweep$/,
    );
  });

  it("an HTTP 502 is still GitHub's answer", () => {
    expect(networkFailure(Object.assign(new Error("Bad Gateway"), { status: 502 }))).toBeUndefined();
  });

  it("the sweep does not shrink its pages for it, and fails the target's other repositories at once with the same reason", async () => {
    nock.enableNetConnect(/nonexistent\.invalid/);
    const dir = await mkdtemp(join(tmpdir(), "sweep-network-"));
    const log = pino({ level: "silent" });
    const store = await openStore(loadConfig({ DATA_DIR: dir }), log);
    try {
      const octokit = octokitAt("https://nonexistent.invalid/api/v3");
      let requests = 0;
      octokit.hook.before("request", () => {
        requests++;
      });
      const summary = await runSweep({
        targets: [{ name: "token", octokit, repos: ["acme/a", "acme/b", "acme/c"] }],
        store,
        attempts: { get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }) },
        repoConfigs: new RepoConfigCache(60_000),
        log,
      });
      expect(summary.failures.map((f) => f.repo)).toEqual(["acme/a", "acme/b", "acme/c"]);
      for (const f of summary.failures) expect(f.reason).toMatch(/^could not reach nonexistent\.invalid \((ENOTFOUND|EAI_AGAIN): a network\/DNS error/);
      expect(requests).toBe(1); // the batched config read; no page was asked, smaller or not
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

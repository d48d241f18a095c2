import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { countRequests } from "../../src/github/count-requests.js";
import { getInstallation, getRepoInstallationId, listInstallations } from "../../src/github/list-installations.js";

const API = "https://api.github.com";
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const app = () => new TestOctokit({ auth: { token: "app-jwt" } });

// GitHub's shape (REST "List installations for the authenticated app"), trimmed to what is read.
const installation = (id: number, account: Record<string, unknown> | null, suspended_at: string | null = null) => ({
  id,
  account,
  app_id: 12345,
  target_type: "Organization",
  suspended_at,
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe("the app's installations, from src/github", () => {
  it("lists every page (100 a page), suspended ones flagged, the account's login or an enterprise's slug", async () => {
    nock(API)
      .get("/app/installations")
      .query({ per_page: "100" })
      .reply(200, [installation(1, { login: "octo", id: 1, type: "Organization" })], { link: `<${API}/app/installations?per_page=100&page=2>; rel="next"` })
      .get("/app/installations")
      .query({ per_page: "100", page: "2" })
      .reply(200, [installation(2, { slug: "big-corp", name: "Big Corp", id: 9 }, "2026-01-01T00:00:00Z"), installation(3, null)]);
    expect(await listInstallations(app())).toEqual([
      { id: 1, account: "octo", suspended: false },
      { id: 2, account: "big-corp", suspended: true },
      { id: 3, account: "?", suspended: false },
    ]);
  });

  it("one installation by id, and the installation that holds a repository", async () => {
    nock(API)
      .get("/app/installations/77")
      .reply(200, installation(77, { login: "octo", id: 1, type: "Organization" }))
      .get("/repos/octo/a/installation")
      .reply(200, installation(77, { login: "octo", id: 1, type: "Organization" }));
    const octokit = app();
    expect(await getInstallation(octokit, 77)).toEqual({ id: 77, account: "octo", suspended: false });
    expect(await getRepoInstallationId(octokit, "octo/a")).toBe(77);
  });

  it("countRequests counts each request until stopped", async () => {
    nock(API).get("/app/installations/77").times(2).reply(200, installation(77, { login: "octo" }));
    const octokit = app();
    let n = 0;
    const stop = countRequests(octokit, () => n++);
    await getInstallation(octokit, 77);
    stop();
    await getInstallation(octokit, 77);
    expect(n).toBe(1);
  });
});

import nock from "nock";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { batchedConfigReaders } from "../../src/sweep/batched-config-readers.js";
import { configsBody } from "./github-shapes.js";

const API = "https://api.github.com";
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));
const octokit = () => new TestOctokit({ auth: { token: "ghs_test" } });

describe("batched .github/pr-telemetry.yml reads", () => {
  it("one request for all: the repository's file wins, else the owner's .github, else null", async () => {
    const scope = nock(API)
      .post("/graphql", (b) => b.query.includes("query RepoConfigs"))
      .reply(200, configsBody({ r0: "sweep_interval_minutes: 60\n", r1: null, g0: "enabled: false\n" }));
    const other = nock(API)
      .post("/graphql", (b) => b.query.includes("query RepoConfigs"))
      .reply(200, configsBody({ r0: null }, ["g0"]));
    const reader = batchedConfigReaders(octokit(), ["octo/a", "octo/b"]);
    expect(await reader("octo/a")()).toEqual({ sweep_interval_minutes: 60 });
    expect(await reader("octo/b")()).toEqual({ enabled: false });
    expect(scope.isDone()).toBe(true);
    expect(await batchedConfigReaders(octokit(), ["acme/c"])("acme/c")()).toBeNull();
    expect(other.isDone()).toBe(true);
  });

  it("a file with _extends is read by Probot's own reader (octokit-plugin-config), which follows it", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, configsBody({ r0: "_extends: octo/shared\n", g0: null }));
    const rest = nock(API)
      .get("/repos/octo/a/contents/.github%2Fpr-telemetry.yml")
      .reply(200, "_extends: octo/shared\n", { "content-type": "application/vnd.github.raw; charset=utf-8" })
      .get("/repos/octo/shared/contents/.github%2Fpr-telemetry.yml")
      .reply(200, "sweep_interval_minutes: 30\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
    const config = await batchedConfigReaders(octokit(), ["octo/a"])("octo/a")();
    expect(rest.isDone()).toBe(true);
    expect(config).toEqual({ sweep_interval_minutes: 30 });
  });

  it("invalid YAML makes the read fail (RepoConfigCache then keeps the last good settings)", async () => {
    nock(API)
      .post("/graphql")
      .reply(200, configsBody({ r0: "enabled: [\n", g0: null }));
    await expect(batchedConfigReaders(octokit(), ["octo/a"])("octo/a")()).rejects.toThrow();
  });
});

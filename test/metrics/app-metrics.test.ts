import nock from "nock";
import { describe, expect, it } from "vitest";
import { watchRequests } from "../../src/github/watch-requests.js";
import { AppMetrics } from "../../src/metrics/app-metrics.js";
import { TestOctokit } from "../helpers/test-probot.js";

const value = async (metrics: AppMetrics, name: string, labels: Record<string, string> = {}) => {
  const metric = await metrics.registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe("AppMetrics", () => {
  it("counts GitHub requests by kind and keeps the budget left per installation and resource", async () => {
    let clock = 0;
    const metrics = new AppMetrics({ store: async () => ({ backlog: 0 }), pendingObservations: () => 0 }, () => clock);
    const octokit = new TestOctokit({ auth: "t" });
    watchRequests(octokit, "42", (...args) => metrics.githubRequest(...args));
    nock("https://api.github.com")
      .post("/graphql").reply(200, { data: { viewer: { login: "x" } } }, { "x-ratelimit-remaining": "4990", "x-ratelimit-resource": "graphql" })
      .get("/repos/o/r").reply(200, { id: 1 }, { "x-ratelimit-remaining": "4999", "x-ratelimit-resource": "core" })
      .get("/repos/o/gone").reply(404, { message: "Not Found" }, { "x-ratelimit-remaining": "4998", "x-ratelimit-resource": "core" });
    await octokit.graphql("{ viewer { login } }");
    await octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" });
    await expect(octokit.request("GET /repos/{owner}/{repo}", { owner: "o", repo: "gone" })).rejects.toThrow();
    expect(await value(metrics, "pr_telemetry_github_requests_total", { kind: "graphql" })).toBe(1);
    expect(await value(metrics, "pr_telemetry_github_requests_total", { kind: "rest" })).toBe(2);
    expect(await value(metrics, "pr_telemetry_github_rate_limit_remaining", { installation: "42", resource: "graphql" })).toBe(4990);
    expect(await value(metrics, "pr_telemetry_github_rate_limit_remaining", { installation: "42", resource: "core" })).toBe(4998);
  });

  it("reports how long the forwarder has been behind, from the scrape that last saw it caught up", async () => {
    let clock = 1_000_000;
    let backlog = 0;
    const metrics = new AppMetrics({ store: async () => ({ backlog, deadLettered: 3 }), pendingObservations: () => 2 }, () => clock);
    await metrics.registry.metrics();
    backlog = 50;
    clock += 30_000;
    const text = await metrics.registry.metrics();
    expect(text).toContain("pr_telemetry_journal_backlog_points 50");
    expect(text).toContain("pr_telemetry_forwarder_lag_seconds 30");
    expect(text).toContain("pr_telemetry_dead_lettered_points 3");
    expect(text).toContain("pr_telemetry_pending_observations 2");
  });

  it("records each sweep's progress and the webhook loss it filled", async () => {
    const metrics = new AppMetrics({ store: async () => ({ backlog: 0 }), pendingObservations: () => 0 }, () => 2_000_000);
    metrics.sweepDone({ repos: 3, openPrs: 12, outcomesFilled: 2, observationsFilled: 1, failures: [] });
    metrics.sweepDone({ repos: 2, openPrs: 10, outcomesFilled: 1, observationsFilled: 0, failures: [{}], stoppedEarly: undefined });
    expect(await value(metrics, "pr_telemetry_sweeps_total", { result: "ok" })).toBe(1);
    expect(await value(metrics, "pr_telemetry_sweeps_total", { result: "failures" })).toBe(1);
    expect(await value(metrics, "pr_telemetry_sweep_repos")).toBe(2);
    expect(await value(metrics, "pr_telemetry_sweep_last_end_timestamp_seconds")).toBe(2000);
    expect(await value(metrics, "pr_telemetry_sweep_filled_total", { kind: "outcome" })).toBe(3);
    expect(await value(metrics, "pr_telemetry_sweep_filled_total", { kind: "observation" })).toBe(1);
  });
});

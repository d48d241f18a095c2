import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startE2e, type E2e } from "./e2e-harness.js";

// The real app (a process) against the fake GitHub: after a delivery is observed, GET /metrics
// (behind METRICS_TOKEN) shows the delivery, the observation and GitHub's requests and budget.
describe("GET /metrics on the running app", () => {
  let e: E2e;
  beforeAll(async () => {
    e = await startE2e({ env: { METRICS_TOKEN: "metrics-secret" } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("counts what a delivery caused, GitHub's requests by kind and the budget it says is left", async () => {
    const repo = e.gh.model.addRepo("acme/metrics");
    const pr = e.gh.model.openPullRequest(repo, { author: "jules[bot]" });
    await e.deliver(e.payloads.pullRequest(pr, "opened"));
    await e.waitForTruth(pr);
    expect((await fetch(`${e.app.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${e.app.url}/metrics`, { headers: { authorization: "Bearer metrics-secret" } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const value = (series: string) => Number(text.split("\n").find((l) => l.startsWith(series + " "))?.split(" ")[1]);
    expect(value('pr_telemetry_deliveries_total{event="pull_request",result="ok"}')).toBe(1);
    expect(value("pr_telemetry_observation_lag_seconds_count")).toBe(1);
    expect(value('pr_telemetry_github_requests_total{kind="graphql"}')).toBeGreaterThanOrEqual(1);
    // The fake GitHub answers with x-ratelimit-* as GitHub does: the installation's GraphQL budget is below its 5000.
    const budget = text.split("\n").find((l) => l.startsWith('pr_telemetry_github_rate_limit_remaining{installation="') && l.includes('resource="graphql"'));
    expect(budget).toBeDefined();
    expect(Number(budget!.split(" ")[1])).toBeLessThan(5000);
    expect(value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  });
});

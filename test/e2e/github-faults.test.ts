import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultRule } from "../helpers/fake-github/index.js";
import { observationsOf } from "../helpers/journal-points.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// GitHub misbehaves: 502s, a secondary rate limit, a 429. The app's octokit retries (Probot's
// retry and throttling plugins, as in production) and its own observer retries must still record
// each observation exactly once.
describe("GitHub faults, end to end", () => {
  let e: E2e;
  beforeAll(async () => {
    e = await startE2e();
  });
  afterAll(async () => {
    await e?.close();
  });

  const cases: Array<{ name: string; fault: FaultRule; event: "check_run" | "status" }> = [
    { name: "502 three times on GraphQL", fault: { kind: "bad-gateway", route: "POST /graphql", times: 3 }, event: "check_run" },
    { name: "a secondary rate limit on GraphQL", fault: { kind: "secondary-rate-limit", route: "POST /graphql", retryAfterSeconds: 1 }, event: "check_run" },
    { name: "a 429 on GraphQL", fault: { kind: "rate-limit", route: "POST /graphql", retryAfterSeconds: 1 }, event: "check_run" },
    { name: "502 three times on the commit's PR look-up", fault: { kind: "bad-gateway", route: "GET /repos/{owner}/{repo}/commits/{sha}/pulls", times: 3 }, event: "status" },
    { name: "a slow GraphQL answer (3 s)", fault: { kind: "slow", route: "POST /graphql", delayMs: 3000 }, event: "check_run" },
  ];

  for (const c of cases) {
    it(`${c.name}: the observation is still recorded, once`, async () => {
      const m = e.gh.model;
      const repo = m.repos.get("acme/faulty") ?? m.addRepo("acme/faulty");
      const pr = m.openPullRequest(repo, { author: "dev" });
      const delivery =
        c.event === "status" ? e.payloads.status(pr, m.setStatus(pr, "ci/test", "SUCCESS")) : e.payloads.checkRun(pr, m.completeCheck(pr, "build", "FAILURE"));
      const fault = e.gh.faults.add(c.fault);
      await e.deliver(delivery);
      await e.waitForTruth(pr, { timeoutMs: 45_000 });
      expect(fault.hits).toBe(c.fault.times ?? 1);
      await sleep(1000); // nothing else on its way
      const obs = observationsOf(await e.points(), repo.fullName, pr.number);
      expect(obs).toHaveLength(1);
      expect(obs[0]!.fields["delivery_id"]).toBe(delivery.id);
    }, 60_000);
  }
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../helpers/fake-github/index.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// A delivery naming a pull request GitHub does not have (deleted, transferred, a number it
// rejects) shares an aliased query with good ones. The good ones are observed; the bad one is
// asked alone once, then dropped with a log line, and its delivery is marked done, so a restart
// does not replay it (and fail again) at every start.
describe("one pull request GitHub refuses, end to end", () => {
  let e: E2e;
  beforeAll(async () => {
    // A long enough window that the three deliveries fall into one aliased query.
    e = await startE2e({ env: { DEBOUNCE_MS: "1000" } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("observes the others, drops the bad one naming it, and does not replay it after a restart", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/one-bad");
    const good = [m.openPullRequest(repo, { author: "dev" }), m.openPullRequest(repo, { author: "dev" })];
    const template = e.payloads.pullRequest(good[0]!, "opened");
    const payload = structuredClone(template.payload) as { number: number; pull_request: { number: number } };
    payload.number = payload.pull_request.number = 999999;
    const bad: WebhookDelivery = { name: template.name, id: `${template.id}-bad`, payload };

    await e.deliver(e.payloads.pullRequest(good[0]!, "opened"), bad, e.payloads.pullRequest(good[1]!, "opened"));
    for (const pr of good) await e.waitForTruth(pr, { timeoutMs: 20_000 });
    await e.waitIdle();
    const dropped = e.app.output.filter((l) => l.includes("GitHub refused pull request acme/one-bad#999999"));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toContain("Could not resolve to a PullRequest with the number of 999999.");

    await e.app.stop();
    const restartedAt = Date.now();
    await e.restart();
    await sleep(2000); // longer than DEBOUNCE_MS: a replayed delivery would have been fetched by now
    await e.waitIdle();
    expect(e.app.output.filter((l) => l.includes("never observed"))).toEqual([]);
    expect(e.gh.requests.count("POST /graphql", restartedAt)).toBe(0);
  }, 60_000);
});

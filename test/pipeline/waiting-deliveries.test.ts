import { describe, expect, it } from "vitest";
import { WaitingDeliveries } from "../../src/pipeline/waiting-deliveries.js";

const record = (id: string, seq: number, target: { prs?: number[]; sha?: string }, trigger = "check_run.completed") => ({
  id,
  seq,
  trigger,
  installationId: 7,
  owner: "acme",
  repo: "api",
  prs: target.prs ?? [],
  sha: target.sha,
});

describe("WaitingDeliveries", () => {
  it("merges deliveries per PR and per commit: newest trigger and id, highest number, a count", () => {
    const waiting = new WaitingDeliveries();
    expect(waiting.add("config acme/api", record("a", 1, { prs: [12] }))).toBe(true);
    expect(waiting.add("config acme/api", record("b", 3, { prs: [12, 13] }, "check_suite.completed"))).toBe(false);
    expect(waiting.add("config acme/api", record("c", 2, { sha: "abc" }, "status"))).toBe(false);
    for (let i = 0; i < 1000; i++) waiting.add("config acme/api", record(`s${i}`, 10 + i, { sha: "abc" }, "status"));
    expect(waiting.size).toBe(1);
    const group = waiting.take("config acme/api")!;
    expect(group).toEqual({
      owner: "acme",
      repo: "api",
      installationId: 7,
      prs: new Map([
        [12, { trigger: "check_suite.completed", deliveryId: "b", seq: 3, deliveries: 2 }],
        [13, { trigger: "check_suite.completed", deliveryId: "b", seq: 3, deliveries: 1 }],
      ]),
      shas: new Map([["abc", { trigger: "status", deliveryId: "s999", seq: 1009, deliveries: 1001 }]]),
    });
    expect(waiting.size).toBe(0);
    // After take, a delivery starts a new group (its caller starts the work again).
    expect(waiting.add("config acme/api", record("d", 2000, { prs: [12] }))).toBe(true);
  });
});

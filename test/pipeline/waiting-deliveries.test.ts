import { describe, expect, it } from "vitest";
import { WaitingDeliveries } from "../../src/pipeline/waiting-deliveries.js";
import { recordingLog } from "../helpers/silent-log.js";

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

  it("reports and logs once deliveries that wait longer than stuckAfterMs for a config read or a commit look-up", () => {
    let now = 0;
    const { log, entries } = recordingLog();
    const waiting = new WaitingDeliveries({ log, stuckAfterMs: 120_000, clock: () => now });
    waiting.add("config acme/api", record("a", 1, { prs: [12] }));
    waiting.add("config acme/api", record("b", 2, { sha: "0123456789abcdef" }));
    now = 60_000;
    waiting.add("commit acme/web@abc", { ...record("c", 3, { sha: "abc" }), repo: "web" });
    now = 130_000;
    expect(waiting.stuck()).toEqual({ count: 2, oldest: { pr: "acme/api#12", waitedMs: 130_000 } });
    now = 200_000;
    expect(waiting.stuck()).toEqual({ count: 3, oldest: { pr: "acme/api#12", waitedMs: 200_000 } });
    expect(entries.filter((e) => e.level === 40).map((e) => e.msg)).toEqual([
      "deliveries for acme/api#12 and 1 more have waited 130 s for GitHub (the repository's config); they are observed once GitHub answers",
      "deliveries for acme/web@abc have waited 140 s for GitHub (the PRs of a commit); they are observed once GitHub answers",
    ]);
    waiting.take("config acme/api");
    waiting.take("commit acme/web@abc");
    expect(waiting.stuck()).toEqual({ count: 0, oldest: undefined });
    waiting.stop();
  });
});

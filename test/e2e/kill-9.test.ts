import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakePullRequest, WebhookDelivery } from "../helpers/fake-github/index.js";
import { journalFiles, journalPoints } from "../helpers/journal-points.js";
import type { DeliveryResult } from "../helpers/webhook-sender.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// kill -9 in the middle of a stream of deliveries: no chance to drain. The journal must hold only
// whole lines, and every delivery the app acknowledged must end up observed after a restart:
// the app's delivery log (written before the ack) is replayed at start-up. No sweep is involved.
describe("kill -9 in the middle of a stream, then restart", () => {
  let e: E2e;
  beforeAll(async () => {
    // A long coalescing window: at the kill, acknowledged deliveries are still waiting to be observed.
    e = await startE2e({ env: { DEBOUNCE_MS: "2000" } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("leaves no torn line and observes every acknowledged delivery after the restart", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/crashy");
    const prs: FakePullRequest[] = [];
    const deliveries: Array<{ pr: FakePullRequest; d: WebhookDelivery }> = [];
    for (let i = 0; i < 30; i++) {
      const pr = m.openPullRequest(repo, { author: i % 2 ? "dev" : "jules[bot]", title: `crash test ${i}\nsecond line` });
      prs.push(pr);
      deliveries.push({ pr, d: e.payloads.pullRequest(pr, "opened") });
      deliveries.push({ pr, d: e.payloads.checkRun(pr, m.completeCheck(pr, "build", i % 3 ? "SUCCESS" : "FAILURE")) });
    }
    // Send with 4 in flight; kill -9 right after the 30th acknowledgement.
    const acked: Array<{ pr: FakePullRequest; r: DeliveryResult }> = [];
    let next = 0;
    let killed: Promise<unknown> | undefined;
    const worker = async () => {
      while (next < deliveries.length && !killed) {
        const { pr, d } = deliveries[next++]!;
        try {
          const r = await e.sender.send(d);
          if (r.status === 200) acked.push({ pr, r });
          if (acked.length === 30 && !killed) killed = e.app.kill9();
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(await killed).toMatchObject({ signal: "SIGKILL" });
    expect(acked.length).toBeGreaterThanOrEqual(30);

    for (const f of await journalFiles(e.app.dataDir)) {
      if (f.text.length) expect(f.text.endsWith("\n"), `${f.name} ends with a torn line`).toBe(true);
    }
    const beforeRestart = await journalPoints(e.app.dataDir);
    expect(beforeRestart.skipped).toEqual([]);

    const ackedPrs = [...new Set(acked.map((a) => a.pr))];
    // The kill really caught acknowledged work unobserved (else this test would prove nothing).
    const observedBefore = new Set(beforeRestart.points.filter((p) => p.measurement === "pr_observation").map((p) => p.tags["pr"]));
    expect(ackedPrs.filter((pr) => !observedBefore.has(String(pr.number))).length).toBeGreaterThan(0);

    await e.restart();
    for (const pr of ackedPrs) await e.waitForTruth(pr, { since: new Date(0), timeoutMs: 30_000 });
    const after = await journalPoints(e.app.dataDir);
    expect(after.skipped).toEqual([]);
    // No observation was written twice for the same deliveries.
    const ids = after.points.filter((p) => p.measurement === "pr_observation").map((p) => p.fields["delivery_id"]);
    expect(new Set(ids).size).toBe(ids.length);
  }, 90_000);
});

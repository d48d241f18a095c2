import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pointKey } from "../../src/store/point.js";
import type { WebhookDelivery } from "../helpers/fake-github/index.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// GitHub redelivers on request (and some proxies retry): the same X-GitHub-Delivery must never
// make a second observation, whether it comes back at once, concurrently or much later.
describe("redelivery of every delivery, end to end", () => {
  let e: E2e;
  beforeAll(async () => {
    e = await startE2e();
  });
  afterAll(async () => {
    await e?.close();
  });

  it("acknowledges every redelivery and records nothing twice", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/redeliver");
    const sent: WebhookDelivery[] = [];
    const prs = [0, 1, 2].map((i) => m.openPullRequest(repo, { author: i === 0 ? "renovate[bot]" : `dev${i}` }));
    for (const pr of prs) {
      const run = m.completeCheck(pr, "build", "SUCCESS");
      const review = m.submitReview(pr, "alice", "APPROVED");
      const batch = [e.payloads.pullRequest(pr, "opened"), e.payloads.checkRun(pr, run), e.payloads.pullRequestReview(pr, review)];
      for (const d of batch) {
        // Each delivery twice at the same moment, as a retrying proxy would.
        const [a, b] = await Promise.all([e.sender.send(d), e.sender.send(d)]);
        expect([a.status, b.status]).toEqual([200, 200]);
        sent.push(d);
      }
    }
    // One PR is merged: its close must give one outcome however often it is delivered.
    m.merge(prs[0]!);
    const closed = e.payloads.pullRequest(prs[0]!, "closed");
    const [c1, c2] = await Promise.all([e.sender.send(closed), e.sender.send(closed)]);
    expect([c1.status, c2.status]).toEqual([200, 200]);
    sent.push(closed);
    for (const pr of prs) await e.waitForTruth(pr);
    await sleep(1500); // longer than DEBOUNCE_MS + backoffs: nothing is still on its way
    const before = (await e.points()).filter((p) => p.measurement === "pr_observation");
    const outcomes = async () => (await e.points()).filter((p) => p.measurement === "outcome");
    expect(await outcomes()).toHaveLength(1);

    // Redeliver everything, long after it was observed.
    for (const d of sent) expect((await e.sender.send(d)).status).toBe(200);
    await sleep(1500);
    const after = (await e.points()).filter((p) => p.measurement === "pr_observation");

    expect(after).toHaveLength(before.length);
    expect(await outcomes()).toHaveLength(1);
    const ids = after.map((p) => p.fields["delivery_id"]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(sent.map((d) => d.id)).toContain(id);
    expect(e.app.output.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
    state.sent = sent;
    state.observations = before.length;
  });

  const state: { sent: WebhookDelivery[]; observations: number } = { sent: [], observations: 0 };

  it("refuses redeliveries after a restart too: no new observation, no new outcome identity", async () => {
    expect(state.sent.length).toBeGreaterThan(0);
    await e.app.stop();
    await e.restart();
    for (const d of state.sent) expect((await e.sender.send(d)).status).toBe(200);
    await sleep(1500);
    const points = await e.points();
    expect(points.filter((p) => p.measurement === "pr_observation")).toHaveLength(state.observations);
    // The outcome's identity is GitHub's merge time: InfluxDB and the dataset export see one outcome.
    const outcomes = points.filter((p) => p.measurement === "outcome");
    expect(new Set(outcomes.map(pointKey)).size).toBe(1);
  });

  // Dedup of outcomes must survive a restart too (not only an in-memory cache of recent points).
  it("writes no second outcome line to the journal for a closed PR redelivered after a restart", async () => {
    const outcomes = (await e.points()).filter((p) => p.measurement === "outcome");
    expect(outcomes).toHaveLength(1);
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    for (const pr of prs) await e.waitForTruth(pr);
    await sleep(1500); // longer than DEBOUNCE_MS + backoffs: nothing is still on its way
    const before = (await e.points()).filter((p) => p.measurement === "pr_observation");

    // Redeliver everything, long after it was observed.
    for (const d of sent) expect((await e.sender.send(d)).status).toBe(200);
    await sleep(1500);
    const after = (await e.points()).filter((p) => p.measurement === "pr_observation");

    expect(after).toHaveLength(before.length);
    const ids = after.map((p) => p.fields["delivery_id"]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(sent.map((d) => d.id)).toContain(id);
    // A restart remembers what was taken: redeliveries after it are refused too.
    await e.app.stop();
    await e.restart();
    for (const d of sent) expect((await e.sender.send(d)).status).toBe(200);
    await sleep(1500);
    expect((await e.points()).filter((p) => p.measurement === "pr_observation")).toHaveLength(before.length);
    expect(e.app.output.filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForJournal } from "../helpers/journal-points.js";
import { startE2e, type E2e } from "./e2e-harness.js";

const ORCHESTRATOR = "orchestrator[bot]";

// GitHub is slow: the app's reads of the repository's settings take longer than Probot's 9 s, so
// Probot answers 202 (GitHub counts the delivery as done and never redelivers it). A crash then
// must not lose the outcome of the close, nor the action the orchestrator's merge is.
describe("a close answered before GitHub answered the app, then kill -9", () => {
  let e: E2e;
  beforeAll(async () => {
    e = await startE2e({ env: { ORCHESTRATOR_LOGINS: ORCHESTRATOR } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("writes the outcome and the inferred action exactly once after a restart", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/slow-close");
    const pr = m.openPullRequest(repo, { author: "dev" });
    m.merge(pr, ORCHESTRATOR);
    const closed = e.payloads.pullRequest(pr, "closed", { sender: m.user(ORCHESTRATOR) });

    // Every GitHub endpoint (installation token, contents, GraphQL...) answers 12 s late.
    const slow = e.gh.faults.add({ kind: "slow", delayMs: 12_000, times: Infinity });
    const [answer] = await e.deliver(closed);
    expect(answer!.status).toBe(202); // Probot's answer at 9 s, while the handlers still wait on GitHub
    await e.app.kill9();
    expect(slow.hits).toBeGreaterThan(0); // the app was really waiting on GitHub

    e.gh.faults.clear();
    await e.restart();
    const isOurs = (p: { tags: Record<string, string> }) => p.tags["repo"] === repo.fullName && p.tags["pr"] === String(pr.number);
    await waitForJournal(
      e.app.dataDir,
      (points) => (points.some((p) => p.measurement === "outcome" && isOurs(p)) && points.some((p) => p.measurement === "action_taken" && isOurs(p)) ? true : undefined),
      { timeoutMs: 20_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\napp output:\n${e.app.output.slice(-30).join("\n")}`);
    });
    await e.waitIdle();
    // A redelivery now (GitHub's "Redeliver" button) adds nothing either.
    await e.deliver(closed);
    await sleep(1000);
    await e.waitIdle();

    const points = (await e.points()).filter(isOurs);
    const outcomes = points.filter((p) => p.measurement === "outcome");
    const actions = points.filter((p) => p.measurement === "action_taken");
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.fields).toMatchObject({ result: "success", detail: `merged by ${ORCHESTRATOR}`, source: "webhook", delivery_id: closed.id });
    expect(outcomes[0]!.time.getTime()).toBe(Math.floor(pr.mergedAt!.getTime() / 1000) * 1000); // GitHub's times are to the second
    expect(actions).toHaveLength(1);
    expect(actions[0]!.fields).toMatchObject({ action: "merge", source: "inferred", actor: ORCHESTRATOR, delivery_id: closed.id });
  }, 90_000);

  it("writes nothing after the restart for a repository whose pr-telemetry.yml says enabled: false", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/slow-disabled");
    m.setFile(repo, ".github/pr-telemetry.yml", "enabled: false\n");
    const pr = m.openPullRequest(repo, { author: "dev" });
    m.merge(pr, ORCHESTRATOR);
    const closed = e.payloads.pullRequest(pr, "closed", { sender: m.user(ORCHESTRATOR) });

    const slow = e.gh.faults.add({ kind: "slow", delayMs: 12_000, times: Infinity });
    const [answer] = await e.deliver(closed);
    expect(answer!.status).toBe(202);
    await e.app.kill9();
    expect(slow.hits).toBeGreaterThan(0);

    e.gh.faults.clear();
    const restartedAt = Date.now();
    await e.restart();
    // The restart reads the settings for what it resumes, then writes nothing.
    for (let i = 0; i < 100 && e.gh.requests.count(/contents/, restartedAt) === 0; i++) await sleep(100);
    expect(e.gh.requests.count(/contents/, restartedAt)).toBeGreaterThan(0);
    await sleep(1000);
    await e.waitIdle();
    expect((await e.points()).filter((p) => p.tags["repo"] === repo.fullName)).toEqual([]);
  }, 90_000);
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakePullRequest } from "../helpers/fake-github/index.js";
import type { RecordedRequest } from "../helpers/fake-github/request-log.js";
import { observationsOf } from "../helpers/journal-points.js";
import { startReplicas, type Replicas } from "./replicas-harness.js";

// GitHub's limits are per installation, and so is the pacing: Probot gives each installation's
// octokit its own throttle id, and @octokit/plugin-throttling keys its GraphQL ("write") limiter
// (one request at a time, at least 1 s apart) by that id. With REDIS_URL the limiters live in
// Redis (Bottleneck's clustering), so two replicas together still keep one installation's pace.
// Measured where it counts: the arrival times of POST /graphql at the fake GitHub.
// PACING_CONTROL=1 runs the same replicas without REDIS_URL: the test then fails (each replica
// paces only itself), which is how it was checked that it can fail.

const INSTALLATIONS = 20;
/** Deliveries per installation, each for another PR, sent PAUSE_MS apart: each becomes its own GraphQL request. */
const PER_INSTALLATION = 6;
const PAUSE_MS = 100;
/**
 * Plugin-throttling lets one installation's GraphQL requests go at least 1000 ms apart (its
 * minTime, kept in Redis for all replicas), counted from when each is let go; what reaches GitHub
 * jitters by the time from that release to the request on the wire (a Redis round trip for the
 * concurrency limiter, a busy event loop): hundreds of ms on this loaded 2-core machine. So the
 * test asserts the pace over each installation's whole run (its first request goes as soon as
 * the app gets to it, the others when the limiter lets them: (n-1) s less that first delay and
 * the jitter, spread over 5 gaps), and gap by gap only a gross breach. Two replicas pacing
 * themselves alone send an installation's requests PAUSE_MS and ~1 s apart in turn: a mean
 * near 500 ms.
 */
const MIN_MEAN_SPACING_MS = 850;

function graphqlByInstallation(requests: RecordedRequest[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of requests) {
    if (r.route !== "POST /graphql" || r.installationId === undefined) continue;
    const list = out.get(r.installationId) ?? [];
    list.push(r.at);
    out.set(r.installationId, list);
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}


/** Repositories and PRs for every installation; `rounds` PRs each, plus two for the warm-up. */
function model(r: Replicas, rounds: number): FakePullRequest[][] {
  const m = r.gh.model;
  return Array.from({ length: INSTALLATIONS }, (_, i) => {
    const repo = m.addRepo(`org${i}/service`);
    return Array.from({ length: rounds + 2 }, () => m.openPullRequest(repo, { author: "dev" }));
  });
}

/** Sends round after round, one delivery per installation each, PAUSE_MS apart; replicas take turns per installation. */
async function sendRounds(r: Replicas, prs: FakePullRequest[][], rounds: number[]): Promise<FakePullRequest[]> {
  for (const round of rounds) {
    const sent = prs.map((list, i) => r.senderTo((i + round) % r.apps.length).send(r.payloads.pullRequest(list[round]!, "opened")));
    for (const res of await Promise.all(sent)) expect(res.status).toBe(200);
    await sleep(PAUSE_MS);
  }
  return rounds.flatMap((round) => prs.map((list) => list[round]!));
}

async function waitObserved(r: Replicas, prs: FakePullRequest[]): Promise<void> {
  // The fake GitHub stamps arrivals in this process: no journal reading while the paced requests are due.
  await sleep(PER_INSTALLATION * 1000 + 500);
  const deadline = Date.now() + 25_000;
  for (;;) {
    const points = await r.points();
    const missing = prs.filter((pr) => observationsOf(points, pr.repo.fullName, pr.number).length === 0);
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${missing.length} PRs never observed`);
    await sleep(500);
  }
}

describe("per-installation pacing, two replicas sharing Redis", () => {
  let r: Replicas;
  beforeAll(async () => {
    r = await startReplicas({ count: 2, env: { DEBOUNCE_MS: "0" }, redis: process.env["PACING_CONTROL"] !== "1" });
  });
  afterAll(async () => {
    await r?.close();
  });

  it("20 installations with work due: many GraphQL requests a second in total, one a second per installation across both replicas", async () => {
    const prs = model(r, PER_INSTALLATION);
    // Warm-up: every replica gets each installation's token and repository settings first (an
    // installation token is fetched after the throttle lets the request go, so a replica's first
    // request of an installation arrives late by that fetch, once an hour).
    await waitObserved(r, await sendRounds(r, prs, [0, 1]));
    await sleep(1100);
    r.gh.requests.reset();
    await waitObserved(r, await sendRounds(r, prs, Array.from({ length: PER_INSTALLATION }, (_, i) => i + 2)));
    const byInstallation = graphqlByInstallation(r.gh.requests.entries);
    expect(byInstallation.size).toBe(INSTALLATIONS);
    // Each installation's deliveries alternate between the replicas, so its requests come from both.
    const spans = [...byInstallation.values()].map((times) => ({ ms: times.at(-1)! - times[0]!, gaps: times.length - 1 }));
    const meanSpacing = spans.reduce((a, s) => a + s.ms, 0) / spans.reduce((a, s) => a + s.gaps, 0);
    expect(meanSpacing).toBeGreaterThanOrEqual(MIN_MEAN_SPACING_MS);
    // Gap by gap only a gross breach: three requests of one installation within one second.
    const bursts = [...byInstallation].flatMap(([id, times]) => times.slice(2).map((t, i) => t - times[i]!).filter((ms) => ms < 1000).map((ms) => `installation ${id}: 3 requests in ${ms} ms`));
    expect(bursts).toEqual([]);
    // Pacing per installation, not per process: the first request of every installation comes
    // within about a second (one shared queue would spread 20 over 20 s).
    const firsts = [...byInstallation.values()].map((times) => times[0]!).sort((a, b) => a - b);
    expect(firsts.at(-1)! - firsts[0]!).toBeLessThan(3000);
    const all = [...byInstallation.values()].flat().sort((a, b) => a - b);
    const busiestSecond = Math.max(...all.map((t) => all.filter((u) => u >= t && u < t + 1000).length));
    expect(busiestSecond).toBeGreaterThanOrEqual(10);
  });
});

describe("GITHUB_MIN_INTERVAL_MS, one process without Redis", () => {
  let r: Replicas;
  beforeAll(async () => {
    r = await startReplicas({ count: 1, env: { DEBOUNCE_MS: "0", GITHUB_MIN_INTERVAL_MS: "2000" }, redis: false });
  });
  afterAll(async () => {
    await r?.close();
  });

  it("paces each installation's GraphQL requests at the configured interval instead of Probot's second", async () => {
    const m = r.gh.model;
    const prs = Array.from({ length: 2 }, (_, i) => {
      const repo = m.addRepo(`paced${i}/service`);
      return Array.from({ length: 5 }, () => m.openPullRequest(repo, { author: "dev" }));
    });
    // Warm-up: the installation tokens and repository settings.
    for (const list of prs) expect((await r.senderTo(0).send(r.payloads.pullRequest(list[0]!, "opened"))).status).toBe(200);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const points = await r.points();
      if (prs.every((list) => observationsOf(points, list[0]!.repo.fullName, list[0]!.number).length > 0)) break;
      if (Date.now() > deadline) throw new Error("warm-up PRs never observed");
      await sleep(300);
    }
    await sleep(2100);
    r.gh.requests.reset();
    for (let round = 1; round < 5; round++) {
      for (const list of prs) expect((await r.senderTo(0).send(r.payloads.pullRequest(list[round]!, "opened"))).status).toBe(200);
      await sleep(PAUSE_MS);
    }
    await sleep(4 * 2000 + 1500);
    const byInstallation = graphqlByInstallation(r.gh.requests.entries);
    expect(byInstallation.size).toBe(2);
    for (const times of byInstallation.values()) {
      // Four deliveries sent 100 ms apart: with Probot's 1 s they would be ~1 s apart.
      expect(times.length).toBeGreaterThanOrEqual(2);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1800);
    }
  });
});

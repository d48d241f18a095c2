import { describe, expect, it } from "vitest";
import { Observer, type ObservedMark, type PullRequestRef, type SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { liveObjects } from "../helpers/force-gc.js";
import { recordingLog, silentLog } from "../helpers/silent-log.js";

interface FakeSnapshot {
  key: string;
  mergeable: "MERGEABLE" | "UNKNOWN";
}

/** Fake GitHub: answers from `state`, records every fetch. */
function fakeGitHub(state: Map<string, FakeSnapshot["mergeable"] | "missing" | Error>, fetchMs = 5) {
  const fetches: string[][] = [];
  const snapshots: SnapshotFunctions<FakeSnapshot> = {
    async fetch(_graphql, targets: PullRequestRef[]) {
      const keys = targets.map((t) => `${t.owner}/${t.repo}#${t.number}`);
      fetches.push(keys);
      // GitHub answers with the state at the time of the request.
      const answers = keys.map((key) => [key, state.get(key) ?? "MERGEABLE"] as const);
      await new Promise((r) => setTimeout(r, fetchMs));
      const out = new Map<string, FakeSnapshot | null>();
      for (const [key, s] of answers) {
        if (s instanceof Error) throw s;
        out.set(key, s === "missing" ? null : { key, mergeable: s });
      }
      return out;
    },
    isMergeableUnknown: (s) => s.mergeable === "UNKNOWN",
    toPoint: (s, now, ctx) =>
      makePoint("pr_observation", now, { repo: s.key.split("#")[0]!, pr: s.key.split("#")[1]! }, {
        mergeable: s.mergeable === "UNKNOWN" ? undefined : true,
        trigger: ctx.trigger,
        delivery_id: ctx.deliveryId,
        conflict_attempts: ctx.conflictAttempts,
      }),
  };
  return { snapshots, fetches };
}

function setup(
  state = new Map<string, FakeSnapshot["mergeable"] | "missing" | Error>(),
  extra: Partial<ConstructorParameters<typeof Observer<FakeSnapshot>>[0]> = {},
  fetchMs = 5,
) {
  const gh = fakeGitHub(state, fetchMs);
  const written: Point[] = [];
  const observed: ObservedMark[] = [];
  const observer = new Observer<FakeSnapshot>({
    snapshots: gh.snapshots,
    write: async (points) => {
      written.push(...points);
    },
    attempts: { get: async () => ({ conflictAttempts: 2, reviewFixAttempts: 0 }) },
    log: silentLog(),
    debounceMs: 60,
    mergeableRetries: 3,
    mergeableBackoffMs: 10,
    errorBackoffMs: 10,
    onObserved: (marks) => observed.push(...marks),
    ...extra,
  });
  return { observer, written, observed, fetches: gh.fetches };
}

const graphql = async () => ({});
let seq = 0;
const request = (number: number, deliveryId: string, installationId = 1, trigger = "check_run.completed") => ({
  owner: "dappcore",
  repo: "core",
  number,
  trigger,
  deliveryId,
  seq: ++seq,
  installationId,
  graphql,
});

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Observer", () => {
  it("coalesces a burst of 40 events for one PR into one fetch and one observation", async () => {
    const { observer, written, observed, fetches } = setup();
    const first = seq + 1;
    for (let i = 0; i < 40; i++) observer.observe(request(315, `d${i}`, 1, i === 39 ? "check_suite.completed" : "check_run.completed"));
    expect(observer.pending).toBe(1);
    await settle(150);
    expect(fetches).toEqual([["dappcore/core#315"]]);
    expect(written).toHaveLength(1);
    expect(written[0]!.fields).toEqual({ mergeable: true, trigger: "check_suite.completed", delivery_id: "d39", conflict_attempts: 2 });
    expect(observed).toEqual([{ owner: "dappcore", repo: "core", number: 315, through: first + 39, commits: [], deliveries: 40 }]);
    expect(observer.pending).toBe(0);
  });

  it("opens a second window for an event that arrives while its PR is being fetched", async () => {
    const { observer, written, fetches } = setup(undefined, {}, 200);
    observer.observe(request(1, "a"));
    await settle(130); // the window closed at 60 ms; the fetch takes 200 ms
    expect(fetches).toHaveLength(1);
    observer.observe(request(1, "b"));
    await observer.drain(2000);
    expect(fetches).toHaveLength(2);
    expect(written.map((p) => p.fields.delivery_id)).toEqual(["a", "b"]);
  });

  it("fetches PRs of one installation that fall due together in one query, other installations apart", async () => {
    const { observer, written, fetches } = setup();
    observer.observe(request(1, "a", 1));
    observer.observe(request(2, "b", 1));
    observer.observe(request(3, "c", 2));
    await settle(150);
    expect(fetches.sort((x, y) => y.length - x.length)).toEqual([["dappcore/core#1", "dappcore/core#2"], ["dappcore/core#3"]]);
    expect(written).toHaveLength(3);
  });

  it("fetches again while mergeability is UNKNOWN and records it once GitHub has computed it", async () => {
    const state = new Map<string, FakeSnapshot["mergeable"] | "missing" | Error>([["dappcore/core#7", "UNKNOWN"]]);
    const { observer, written, fetches } = setup(state);
    observer.observe(request(7, "a"));
    while (fetches.length < 2) await settle(5); // GitHub computes it after the first retry
    state.set("dappcore/core#7", "MERGEABLE");
    await observer.drain(2000);
    expect(fetches).toHaveLength(3);
    expect(written).toHaveLength(1);
    expect(written[0]!.fields.mergeable).toBe(true);
  });

  it("records the observation without mergeable when it stays UNKNOWN, never a guess", async () => {
    const { observer, written, fetches } = setup(new Map([["dappcore/core#7", "UNKNOWN"]]));
    observer.observe(request(7, "a"));
    await observer.drain(2000);
    expect(fetches).toHaveLength(4); // the first fetch and 3 retries
    expect(written).toHaveLength(1);
    expect(written[0]!.fields).not.toHaveProperty("mergeable");
  });

  it("retries a failed fetch and gives up with an error log after its retries, writing nothing false", async () => {
    const { log, entries } = recordingLog();
    const { observer, written, fetches } = setup(new Map([["dappcore/core#9", new Error("HTTP 502")]]), { errorRetries: 2, log });
    observer.observe(request(9, "x"));
    await settle(300);
    expect(fetches).toHaveLength(3);
    expect(written).toHaveLength(0);
    expect(observer.observationsFailed).toBe(1);
    const error = entries.find((e) => e.level === 50);
    expect(error).toMatchObject({ pr: "dappcore/core#9", delivery: "x", deliveries: 1 });
  });

  it("keeps points whose write failed and writes them on the next try", async () => {
    let fail = true;
    const written: Point[] = [];
    const { observer } = setup(undefined, {
      write: async (points) => {
        if (fail) {
          fail = false;
          throw new Error("disk full");
        }
        written.push(...points);
      },
    });
    observer.observe(request(4, "w"));
    await settle(200);
    expect(written).toHaveLength(1);
  });

  it("writes nothing for a PR that is not found, and marks its deliveries done (a restart must not ask again forever)", async () => {
    const { observer, written, observed } = setup(new Map([["dappcore/core#404", "missing"]]));
    observer.observe(request(404, "gone"));
    observer.observe(request(1, "fine"));
    await settle(150);
    expect(written.map((p) => p.tags.pr)).toEqual(["1"]);
    expect(observed.map((m) => m.number).sort((a, b) => a - b)).toEqual([1, 404]);
  });

  it("logs the PR GitHub refused with GitHub's message", async () => {
    const { log, entries } = recordingLog();
    const { observer, observed } = setup(undefined, {
      log,
      snapshots: {
        fetch: async (_g, _targets, onDropped) => {
          onDropped?.("dappcore/core#999999", "NOT_FOUND: Could not resolve to a PullRequest with the number of 999999.");
          return new Map([["dappcore/core#999999", null]]);
        },
        isMergeableUnknown: () => false,
        toPoint: () => {
          throw new Error("not called");
        },
      },
    });
    observer.observe(request(999999, "bad"));
    await settle(150);
    expect(observed.map((m) => `${m.owner}/${m.repo}#${m.number}`)).toEqual(["dappcore/core#999999"]);
    expect(entries.filter((e) => e["level"] === 40).map((e) => e["msg"])).toEqual([
      "GitHub refused pull request dappcore/core#999999, also when asked alone: NOT_FOUND: Could not resolve to a PullRequest with the number of 999999.; nothing recorded",
    ]);
  });

  it("drain skips the rest of the window and waits for the work", async () => {
    const { observer, written } = setup(undefined, { debounceMs: 60_000 });
    observer.observe(request(1, "a"));
    observer.observe(request(2, "b"));
    expect(await observer.drain(2000)).toBe(0);
    expect(written).toHaveLength(2);
  });
});

describe("Observer memory while GitHub does not answer (issue 10 item 6)", () => {
  /** Requests for one PR arriving over `windows` coalescing windows while the snapshot fetch never returns. */
  async function feed(deliveries: number, windows: number) {
    const live = liveObjects();
    // GitHub far behind: every fetch waits in a queue that holds its arguments, as Probot's
    // throttling queue (Bottleneck) holds every queued request.
    const queue: unknown[] = [];
    const snapshots: SnapshotFunctions<never> = {
      fetch: (graphql, targets) => {
        queue.push({ graphql, targets });
        return new Promise(() => {});
      },
      isMergeableUnknown: () => false,
      toPoint: () => {
        throw new Error("unreachable");
      },
    };
    const observer = new Observer<never>({
      snapshots,
      write: async () => {},
      attempts: { get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }) },
      log: silentLog(),
      debounceMs: 2,
      mergeableRetries: 0,
      mergeableBackoffMs: 0,
    });
    for (let i = 0; i < deliveries; i++) {
      // Each delivery brings its own objects, as a Probot Context does (its octokit's graphql
      // holds the whole payload): only what the observation needs may stay.
      const graphql = async () => ({});
      live.track(graphql);
      observer.observe({ ...request(1, `d-${i}`), graphql });
      if (i % Math.ceil(deliveries / windows) === 0) await settle(5); // the window closes
    }
    return { pending: observer.pending, fetches: queue.length, alive: await live.alive() };
  }

  it("keeps one waiting entry and one fetch per PR, however many deliveries arrive meanwhile", async () => {
    const small = await feed(100, 10);
    const large = await feed(2000, 40);
    // One fetch in flight (blocked) and one window waiting for it, whatever N.
    expect(small).toEqual({ pending: 1, fetches: 1, alive: 2 });
    expect(large).toEqual({ pending: 1, fetches: 1, alive: 2 });
  });
});

describe("Observer: observations stuck waiting for GitHub (issue 10 item 16)", () => {
  it("reports PRs waiting longer than stuckAfterMs and warns once per PR per episode, not per delivery", async () => {
    let now = Date.parse("2026-02-05T09:00:00Z");
    let answer: (() => void) | undefined;
    const { log, entries } = recordingLog();
    const snapshots: SnapshotFunctions<FakeSnapshot> = {
      fetch: (_g, targets) =>
        new Promise((resolve) => {
          answer = () => resolve(new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, { key: `${t.owner}/${t.repo}#${t.number}`, mergeable: "MERGEABLE" as const }])));
        }),
      isMergeableUnknown: () => false,
      toPoint: (s, at) => makePoint("pr_observation", at, { repo: "acme/api", pr: s.key.split("#")[1]! }, { mergeable: true }),
    };
    const observer = new Observer<FakeSnapshot>({
      snapshots,
      write: async () => {},
      attempts: { get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }) },
      log,
      debounceMs: 0,
      mergeableRetries: 0,
      mergeableBackoffMs: 0,
      stuckAfterMs: 120_000,
      clock: () => now,
    });
    const ask = (n: number, id: string) => observer.observe({ owner: "acme", repo: "api", number: n, trigger: "status", deliveryId: id, seq: 1, installationId: 1, graphql });
    ask(12, "first");
    await settle(20); // fetching, blocked
    expect(observer.stuck()).toEqual({ count: 0, oldest: undefined });
    now += 100_000;
    ask(12, "second"); // the same episode: PR 12 still has no observation
    now += 240_000;
    expect(observer.stuck()).toEqual({ count: 1, oldest: { pr: "acme/api#12", waitedMs: 340_000 } });
    for (let i = 0; i < 5; i++) ask(12, `more-${i}`);
    now += 1000;
    expect(observer.stuck().count).toBe(1);
    const warnings = entries.filter((e) => e.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({ pr: "acme/api#12", waitedSeconds: 340, msg: expect.stringMatching(/^observation of acme\/api#12 has waited 340 s for GitHub/) }),
    ]);
    // GitHub answers: the episode ends, and the window opened meanwhile (at +100 s, now fetched)
    // is the next one.
    answer!();
    await settle(20);
    expect(entries.some((e) => e.level === 30 && e.pr === "acme/api#12" && /no longer waiting/.test(String(e.msg)))).toBe(true);
    expect(observer.stuck()).toEqual({ count: 1, oldest: { pr: "acme/api#12", waitedMs: 241_000 } });
    answer!();
    await settle(20);
    expect(observer.stuck()).toEqual({ count: 0, oldest: undefined });
    await observer.stop(1000);
  });
});

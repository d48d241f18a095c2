import { describe, expect, it } from "vitest";
import { Observer, type PullRequestRef, type SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint, type Point } from "../../src/store/point.js";
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
  const observed: string[] = [];
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
    onObserved: (ids) => observed.push(...ids),
    ...extra,
  });
  return { observer, written, observed, fetches: gh.fetches };
}

const graphql = async () => ({});
const request = (number: number, deliveryId: string, installationId = 1, trigger = "check_run.completed") => ({
  owner: "dappcore",
  repo: "core",
  number,
  trigger,
  deliveryId,
  installationId,
  graphql,
  log: silentLog(),
});

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Observer", () => {
  it("coalesces a burst of 40 events for one PR into one fetch and one observation", async () => {
    const { observer, written, observed, fetches } = setup();
    for (let i = 0; i < 40; i++) observer.observe(request(315, `d${i}`, 1, i === 39 ? "check_suite.completed" : "check_run.completed"));
    expect(observer.pending).toBe(1);
    await settle(150);
    expect(fetches).toEqual([["dappcore/core#315"]]);
    expect(written).toHaveLength(1);
    expect(written[0]!.fields).toEqual({ mergeable: true, trigger: "check_suite.completed", delivery_id: "d39", conflict_attempts: 2 });
    expect(observed).toHaveLength(40);
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
    const { observer, written, fetches } = setup(new Map([["dappcore/core#9", new Error("HTTP 502")]]), { errorRetries: 2 });
    observer.observe({ ...request(9, "x"), log });
    await settle(300);
    expect(fetches).toHaveLength(3);
    expect(written).toHaveLength(0);
    expect(observer.observationsFailed).toBe(1);
    const error = entries.find((e) => e.level === 50);
    expect(error).toMatchObject({ pr: "dappcore/core#9", deliveries: ["x"] });
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
    expect(observed.sort()).toEqual(["fine", "gone"]);
  });

  it("logs the PR GitHub refused with GitHub's message", async () => {
    const { log, entries } = recordingLog();
    const { observer, observed } = setup(undefined, {
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
    observer.observe({ ...request(999999, "bad"), log });
    await settle(150);
    expect(observed).toEqual(["bad"]);
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

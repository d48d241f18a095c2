import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countAttempts, createAttemptCounters } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { Journal } from "../../src/store/journal.js";
import { openStore, type TelemetryStore } from "../../src/store/open-store.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { inRange, type PointStore, type ReadRange } from "../../src/store/store.js";
import { silent } from "./test-runtime.js";

let dataDir: string;
const stores: TelemetryStore[] = [];
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "attempts-"));
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function store(): Promise<TelemetryStore> {
  const s = await openStore(loadConfig({ DATA_DIR: dataDir }), silent);
  stores.push(s);
  return s;
}

const at = (iso: string) => new Date(iso);
function action(pr: number, name: string, time: string, source = "cli", repo = "dappcore/core"): Point {
  return makePoint("action_taken", at(time), { repo, pr: String(pr) }, { action: name, source });
}

describe("AttemptCounters", () => {
  it("counts conflict (request_conflict_fix, resolve_conflict) and review-fix actions per PR", async () => {
    const s = await store();
    const counters = await createAttemptCounters(s, silent);
    const points = [
      action(315, "request_conflict_fix", "2026-02-05T09:00:00Z"),
      action(315, "resolve_conflict", "2026-02-05T12:00:00Z"),
      action(315, "request_review_fix", "2026-02-05T13:00:00Z"),
      action(315, "wait", "2026-02-05T14:00:00Z"),
      action(316, "request_review_fix", "2026-02-05T09:00:00Z"),
      action(315, "request_review_fix", "2026-02-05T09:00:00Z", "cli", "dappcore/other"),
      makePoint("pr_observation", at("2026-02-05T15:00:00Z"), { repo: "dappcore/core", pr: "315" }, { action: "request_review_fix" }),
    ];
    await s.write(points);
    counters.record(points);
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });
    expect(await counters.get("dappcore/core", 316)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 1 });
    expect(await counters.get("dappcore/core", 1)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 0 });
  });

  it("counts a redelivered or re-read action once, and a rewritten identity as its latest action", async () => {
    const s = await store();
    const counters = await createAttemptCounters(s, silent, { refreshMs: 0 });
    const first = action(315, "request_conflict_fix", "2026-02-05T09:00:00Z");
    await s.write([first, first]);
    counters.record([first]);
    counters.record([first]);
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
    const rewritten = action(315, "wait", "2026-02-05T09:00:00Z");
    await s.write([rewritten]);
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 0 });
  });

  it("is rebuilt from the journal by a new instance after a restart", async () => {
    const before = await store();
    const counters = await createAttemptCounters(before, silent);
    const points = [
      action(315, "request_conflict_fix", "2026-02-05T09:00:00Z"),
      action(315, "request_conflict_fix", "2026-02-06T09:00:00Z"),
      action(315, "request_review_fix", "2026-02-07T09:00:00Z"),
    ];
    await before.write(points);
    counters.record(points);
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });
    await before.close();

    const after = await createAttemptCounters(await store(), silent);
    expect(await after.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });
  });

  it("sees actions another process (the CLI) appends to the journal once refreshMs has passed", async () => {
    let now = 1_000_000;
    const counters = await createAttemptCounters(await store(), silent, { refreshMs: 5_000, clock: () => now });
    const cli = new Journal({ dir: join(dataDir, "journal") });
    await cli.write([action(315, "request_review_fix", "2026-02-05T09:00:00Z")]);
    await cli.close();
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 0 });
    now += 5_000;
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 1 });
  });

  it("reads each repository's actions from a shared primary store (InfluxDB), at most every refreshMs", async () => {
    // Stands in for InfluxDB written by another app instance: the same PointStore interface.
    const shared = new MemoryStore([action(315, "request_conflict_fix", "2026-02-05T09:00:00Z", "api")]);
    const local = await store();
    const s: TelemetryStore = { ...local, primary: shared, read: (range) => shared.read(range) };
    let now = 1_000_000;
    const counters = await createAttemptCounters(s, silent, { refreshMs: 5_000, clock: () => now });
    expect(shared.reads).toEqual([{ measurements: ["action_taken"] }]);
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });

    shared.points.push(action(315, "resolve_conflict", "2026-02-06T09:00:00Z", "api"));
    now += 1_000;
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
    now += 4_000;
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 0 });
    expect(shared.reads.slice(1)).toEqual([{ measurements: ["action_taken"], repos: ["dappcore/core"] }]);

    // This process's own writes count at once, even before InfluxDB has them.
    const mine = action(315, "request_review_fix", "2026-02-07T09:00:00Z", "inferred");
    await s.write([mine]);
    counters.record([mine]);
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });

    // InfluxDB down: the counters answer from what they have.
    shared.failing = true;
    now += 5_000;
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });
  });

  it("starts from the journal when the shared store is down, and catches up once it answers", async () => {
    const shared = new MemoryStore([action(315, "request_conflict_fix", "2026-02-05T09:00:00Z", "api")]);
    shared.failing = true;
    const local = await store();
    await local.write([action(315, "request_review_fix", "2026-02-06T09:00:00Z", "inferred")]);
    const s: TelemetryStore = { ...local, primary: shared, read: (range) => shared.read(range) };
    let now = 1_000_000;
    const counters = await createAttemptCounters(s, silent, { refreshMs: 5_000, clock: () => now });
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 1 });
    expect(shared.reads).toHaveLength(2); // the start, and this repository's first get()
    shared.failing = false;
    now += 1_000; // a failed read is not retried at every get()
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 1 });
    expect(shared.reads).toHaveLength(2);
    now += 4_000;
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 1 });
  });

  it("answers from what it has when the shared store is slow, and counts the late read next time", async () => {
    const shared = new MemoryStore([]);
    const local = await store();
    const s: TelemetryStore = { ...local, primary: shared, read: (range) => shared.read(range) };
    const counters = await createAttemptCounters(s, silent, { refreshMs: 60_000, maxWaitMs: 20 });
    shared.points.push(action(315, "request_conflict_fix", "2026-02-05T09:00:00Z", "api"));
    let release!: () => void;
    shared.gate = new Promise<void>((resolve) => (release = resolve));
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 0 });
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
  });
});

describe("countAttempts", () => {
  const r = (minute: number, source: string) => ({ action: "request_conflict_fix", source, time: minute * 60_000 });
  it("counts one attempt recorded by the CLI and inferred from its comment once", () => {
    expect(countAttempts([r(0, "cli"), r(2, "inferred")])).toBe(1);
  });
  it("counts repeated attempts from one source, and attempts far apart, each", () => {
    expect(countAttempts([r(0, "cli"), r(2, "cli")])).toBe(2);
    expect(countAttempts([r(0, "cli"), r(60, "inferred")])).toBe(2);
    expect(countAttempts([r(60, "inferred"), r(0, "cli"), r(62, "cli"), r(120, "api")])).toBe(3);
  });
});

/** An in-memory PointStore that records its reads and can fail. */
class MemoryStore implements PointStore {
  readonly name = "influx-v2";
  reads: ReadRange[] = [];
  failing = false;
  /** When set, reads wait for it (a slow InfluxDB). */
  gate: Promise<void> | undefined;
  constructor(readonly points: Point[]) {}
  async write(points: Point[]) {
    this.points.push(...points);
  }
  async *read(range?: ReadRange): AsyncIterable<Point> {
    this.reads.push(range ?? {});
    if (this.gate) await this.gate;
    if (this.failing) throw new Error("connect ECONNREFUSED 127.0.0.1:8086");
    for (const p of this.points) if (inRange(p, range)) yield p;
  }
  async close() {}
}

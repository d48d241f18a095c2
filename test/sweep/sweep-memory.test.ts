import { describe, expect, it } from "vitest";
import type { ReadRange } from "../../src/store/store.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { LATE_WRITE_MS, SweepMemory } from "../../src/sweep/sweep-memory.js";

/** A store that answers reads from a list and remembers each range asked. */
function listStore(points: Point[]) {
  const ranges: ReadRange[] = [];
  return {
    ranges,
    points,
    async *read(range?: ReadRange) {
      ranges.push(range ?? {});
      for (const p of points) if (!range?.since || p.time >= range.since) yield p;
    },
  };
}
const obs = (pr: number, at: Date, state = "OPEN") => makePoint("pr_observation", at, { repo: "octo/app", pr: String(pr), author: "a" }, { state });

describe("SweepMemory", () => {
  const now = new Date("2026-02-05T09:00:00Z");
  const later = new Date(now.getTime() + 15 * 60_000);

  it("reads the lookback window once, then only what came since the last read (less the late-write margin)", async () => {
    const store = listStore([obs(1, new Date("2026-02-01T00:00:00Z"))]);
    const memory = new SweepMemory(7);
    await memory.refresh(store, now);
    // A webhook outcome stamped with the close time, written late, still inside the margin.
    store.points.push(makePoint("outcome", new Date(now.getTime() - 10 * 60_000), { repo: "octo/app", pr: "1" }, { result: "success" }));
    const index = await memory.refresh(store, later);
    expect(store.ranges.map((r) => r.since?.toISOString())).toEqual([
      "2026-01-29T09:00:00.000Z",
      new Date(now.getTime() - LATE_WRITE_MS).toISOString(),
    ]);
    expect(store.ranges[0]!.measurements).toEqual(["pr_observation", "outcome"]);
    expect(index.get("octo/app")!.prs.get(1)!.outcomeAt).toEqual(new Date(now.getTime() - 10 * 60_000));
  });

  it("folds the points the sweep wrote, and forgets PRs last seen before the lookback", async () => {
    const store = listStore([obs(1, new Date("2026-01-30T00:00:00Z")), obs(2, new Date("2026-02-05T08:00:00Z"))]);
    const memory = new SweepMemory(7);
    await memory.refresh(store, now);
    memory.record([obs(2, now, "MERGED")]);
    expect(memory.index.get("octo/app")!.prs.get(2)!.state).toBe("MERGED");
    await memory.refresh(store, new Date("2026-02-07T00:00:00Z"));
    expect([...memory.index.get("octo/app")!.prs.keys()]).toEqual([2]);
  });

  it("keeps only the named repositories when asked", async () => {
    const other = makePoint("pr_observation", now, { repo: "acme/web", pr: "3", author: "a" }, { state: "OPEN" });
    const memory = new SweepMemory(7, new Set(["octo/app"]));
    await memory.refresh(listStore([obs(1, now), other]), now);
    expect([...memory.index.keys()]).toEqual(["octo/app"]);
  });
});

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyExportCounts, exportLines, type ExportKind } from "../../src/dataset/export-lines.js";
import { pivotPoint } from "../../src/dataset/pivot-point.js";
import { readJournalBatches } from "../../src/store/read-journal-batches.js";
import { sortedPoints } from "../../src/dataset/sorted-points.js";
import { pointKey, type Point } from "../../src/store/point.js";
import { act, fromArray, obs, out, writeJournal } from "./fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sorted-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A deterministic pseudo-random mix of points over 3 repos and 25 PRs, with many duplicates. */
function randomPoints(count: number): Point[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const points: Point[] = [];
  for (let i = 0; i < count; i++) {
    const repo = ["a/x", "a/x-y", "b/🚀"][rand(3)]!;
    const pr = 1 + rand(25);
    // Few distinct times, so equal times and duplicate identities are common.
    const time = new Date(Date.UTC(2026, 1, 1) + rand(40) * 60_000 + rand(3)).toISOString();
    const kind = rand(10);
    // Writes of one identity carry different fields, so merging them field by field shows.
    if (kind < 7) points.push(obs(repo, pr, time, rand(2) ? { checks_total: i, state: rand(4) ? "OPEN" : "CLOSED" } : { [`f${rand(3)}`]: i }));
    else if (kind < 9) points.push(act(repo, pr, time, ["wait", "request_review_fix"][rand(2)]!, rand(2) ? { reason: `write ${i}` } : { actor: `a${i}` }));
    else points.push(out(repo, pr, time, ["success", "closed"][rand(2)]!, i / 10));
  }
  return points;
}

/** The obvious in-memory answer: writes of an identity merged field by field (later wins), sorted by repo, pr, time, kind. */
function reference(points: Point[], measurement: string): string[] {
  const latest = new Map<string, Point>();
  for (const p of points) {
    if (p.measurement === measurement) latest.set(pointKey(p), { ...p, fields: { ...latest.get(pointKey(p))?.fields, ...p.fields } });
  }
  return [...latest.values()]
    .sort((a, b) => (a.tags.repo! < b.tags.repo! ? -1 : a.tags.repo! > b.tags.repo! ? 1 : 0) || Number(a.tags.pr) - Number(b.tags.pr) || a.time.getTime() - b.time.getTime())
    .map((p) => JSON.stringify(pivotPoint(p)));
}

async function lines(source: AsyncIterable<Point[]>, kind: ExportKind, runBytes?: number): Promise<string[]> {
  const all: string[] = [];
  for await (const batch of exportLines(source, { kind, runBytes, tmpDir: dir }, emptyExportCounts())) for (const l of batch) all.push(l.line);
  return all;
}

describe("sortedPoints", () => {
  const points = randomPoints(3000);

  it.each([
    ["observations", "pr_observation"],
    ["actions", "action_taken"],
    ["outcomes", "outcome"],
  ] as const)("%s: in memory, spilled to many runs and from the journal all equal the obvious answer", async (kind, measurement) => {
    const expected = reference(points, measurement);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(points.filter((p) => p.measurement === measurement).length); // there were duplicates
    expect(await lines(fromArray(points), kind)).toEqual(expected);
    expect(await lines(fromArray(points), kind, 2000)).toEqual(expected);
    await writeJournal(join(dir, "journal"), points);
    expect(await lines(readJournalBatches(join(dir, "journal")), kind, 2000)).toEqual(expected);
  });

  it("examples are the same whether the sort spills or not", async () => {
    const inMemory = await lines(fromArray(points), "examples");
    expect(inMemory.length).toBeGreaterThan(100);
    expect(await lines(fromArray(points), "examples", 1500)).toEqual(inMemory);
    await writeJournal(join(dir, "journal"), points);
    expect(await lines(readJournalBatches(join(dir, "journal")), "examples", 1500)).toEqual(inMemory);
  });

  it("spills to temporary files and deletes them, also when the reader stops early", async () => {
    const seen: string[] = [];
    const records = sortedPoints(fromArray(points), { project: () => "x", runBytes: 5000, tmpDir: dir });
    for await (const batch of records) {
      seen.push(...(await readdir(dir)));
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(seen.some((name) => name.startsWith("pr-telemetry-export-"))).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it("counts points that belong to no PR and leaves them out", async () => {
    const counts = { read: 0, kept: 0, withoutPr: 0, duplicates: 0 };
    const bad = [
      { ...obs("a/x", 1, "2026-02-01T00:00:00.000Z"), tags: { pr: "1" } },
      { ...obs("a/x", 1, "2026-02-01T00:00:00.000Z"), tags: { repo: "a/x", pr: "12a" } },
      obs("a/x", 1, "2026-02-01T00:00:00.000Z"),
    ];
    const got = [];
    for await (const batch of sortedPoints(fromArray(bad), { project: () => "x" }, counts)) got.push(...batch);
    expect(got.map((r) => [r.repo, r.pr])).toEqual([["a/x", 1]]);
    expect(counts).toEqual({ read: 3, kept: 1, withoutPr: 2, duplicates: 0 });
  });
});

describe("long lines", () => {
  it("reads journal lines longer than the read buffer, and spills and merges them", async () => {
    const long = "x".repeat(1_500_000) + "🚀";
    const points = [
      obs("a/x", 1, "2026-02-01T00:00:00.000Z", { head_ref: long }),
      act("a/x", 1, "2026-02-01T00:00:01.000Z", "wait", { reason: long }),
      obs("a/x", 2, "2026-02-01T00:00:00.000Z"),
      act("a/x", 2, "2026-02-01T00:00:01.000Z", "wait"),
    ];
    await writeJournal(join(dir, "journal"), points);
    const fromJournal = await lines(readJournalBatches(join(dir, "journal")), "examples", 100);
    const fromMemory = await lines(fromArray(points), "examples", 100);
    expect(fromJournal).toEqual(fromMemory);
    expect(fromJournal.map((l) => JSON.parse(l).reason.length)).toEqual([long.length, "why wait".length]);
    expect(JSON.parse(fromJournal[0]!).signals.head_ref).toBe(long);
  });
});

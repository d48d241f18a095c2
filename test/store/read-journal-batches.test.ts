import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JournalLineFetcher, JournalLinePoint, parseStringObject, readJournalBatches } from "../../src/store/read-journal-batches.js";
import { readJournal, type SkippedLine } from "../../src/store/journal.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { readPoints } from "../../src/store/read-points.js";
import { collect, writeJournal } from "../dataset/fixtures.js";

/** readJournalBatches, one point at a time. */
async function* readJournalPoints(dir: string, range?: undefined, onSkip?: (s: SkippedLine) => void): AsyncGenerator<Point> {
  for await (const batch of readJournalBatches(dir, range, onSkip)) yield* batch;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-points-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hostile = 'a "quoted", comma=equals space\nnewline 🚀 tab\t back\\slash\\';

describe("readJournalBatches", () => {
  it("reads exactly what readJournal and readPoints read, hostile strings included, and skips what they skip", async () => {
    const points = [
      makePoint("pr_observation", new Date("2026-02-05T09:00:00.000Z"), { repo: "o/r", pr: "1", author: hostile }, { merge_state: "CLEAN", mergeable: true, checks_total: 8 }),
      makePoint("action_taken", new Date("2026-02-05T09:00:01.000Z"), { repo: "o/r", pr: "1" }, { action: "wait", reason: hostile }),
      makePoint("outcome", new Date("2026-02-05T09:00:02.000Z"), { repo: "o/r", pr: "1", fields: "x", __proto__x: "y" }, { result: "success", resolution_hours: 0.5 }),
      makePoint("odd \"measurement\"", new Date("2026-02-05T09:00:03.000Z"), {}, { x: 1 }),
    ];
    await writeJournal(dir, points);
    await appendFile(join(dir, "2026-02-05.jsonl"), 'not json\n{"measurement":"outcome","time":"bad","tags":{},"fields":{}}\n{"measurement":"torn"');
    const skippedA: string[] = [];
    const skippedB: string[] = [];
    const a = await collect(readJournalPoints(dir, undefined, (s) => skippedA.push(s.reason)));
    const b = await collect(readJournal(dir, undefined, (s) => skippedB.push(s.reason)));
    const plain = (p: { measurement: string; time: Date; tags: object; fields: object }) => ({ measurement: p.measurement, time: p.time, tags: { ...p.tags }, fields: { ...p.fields } });
    expect(a.map(plain)).toEqual(b.map(plain));
    expect(a.map(plain)).toEqual(points.map(plain));
    expect(skippedA).toEqual(skippedB);
    expect(skippedA).toHaveLength(2);
    const skippedC: string[] = [];
    const c = await collect(readPoints(dir, { onSkip: (s) => skippedC.push(s.reason) }));
    expect(c.map(plain)).toEqual(b.map(plain));
    expect(skippedC).toEqual(skippedB);
    expect(a[0]).toBeInstanceOf(JournalLinePoint);
  });

  it("reads a line back by its reference", async () => {
    const p = makePoint("pr_observation", new Date("2026-02-05T09:00:00.000Z"), { repo: "o/r", pr: "1", author: hostile }, { merge_state: "🚀" });
    await writeJournal(dir, [p, p]);
    const read = (await collect(readJournalPoints(dir))) as JournalLinePoint[];
    const fetcher = new JournalLineFetcher();
    expect(fetcher.line(read[1]!.ref)).toBe(read[1]!.line);
    fetcher.close();
    await rm(join(dir, "2026-02-05.jsonl"));
    expect(() => new JournalLineFetcher().line(read[1]!.ref)).toThrow(/cannot read back journal line.*Run it again/);
  });
});

describe("parseStringObject", () => {
  it.each([
    "{}",
    '{"repo":"o/r","pr":"1"}',
    '{"a":"x\\"y","b":"\\\\"}',
    '{"__proto__":"x"}',
    '{"a":"1","a":"2"}',
    '{"a":"","b":"c"}',
  ])("agrees with JSON.parse on %s", (text) => {
    expect(parseStringObject(text)).toEqual(JSON.parse(text));
  });

  it("leaves other shapes to JSON.parse, errors included; a value that is not a string is refused", () => {
    expect(parseStringObject('{"a":"1", "b" : "2"}')).toEqual({ a: "1", b: "2" });
    expect(() => parseStringObject('{"a":1, "b" : "2"}')).toThrow(/tag "a" is not a string/);
    expect(() => parseStringObject('{"a":"1"')).toThrow(SyntaxError);
    expect(() => parseStringObject('{"a":"1"}x')).toThrow(SyntaxError);
  });
});

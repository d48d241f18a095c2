import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_TYPES } from "../../src/store/field-types.js";
import { Journal, type SkippedLine } from "../../src/store/journal.js";
import { JournalTail } from "../../src/store/journal-tail.js";
import { INFLUX_MAX_TIME_MS, INFLUX_MIN_TIME_MS } from "../../src/store/point-limits.js";
import type { FieldValue, Point } from "../../src/store/point.js";
import { readJournalBatches } from "../../src/store/read-journal-batches.js";
import { readPoints } from "../../src/store/read-points.js";
import { HOSTILE_STRINGS, hostilePoints } from "../helpers/hostile-points.js";

let root: string;
let runs = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "journal-round-trip-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// Strings that JSON and the hand-written head parser find hard, mixed with any unicode text.
const text = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS, "", "__proto__", "},\"fields\":{", '{"measurement":"x"', "\\\"", "\u2028\u2029", "\u0000"), fc.string({ unit: "binary" }));
// Measurements the app declares (their fields are typed: see FIELD_TYPES) are covered by
// hostilePoints; here any other name, whose fields may be of any type.
const measurement = text.filter((m) => !(m in FIELD_TYPES) && m !== "");
const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(text, fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const record = <T,>(value: fc.Arbitrary<T>) => fc.dictionary(text, value, { maxKeys: 5 });
const point: fc.Arbitrary<Point> = fc.record({
  measurement: fc.oneof(measurement, fc.constantFrom("pr_observation_x", "outcome ", "odd \"measurement\"")),
  time: fc.integer({ min: INFLUX_MIN_TIME_MS, max: INFLUX_MAX_TIME_MS }).map((ms) => new Date(ms)),
  tags: record(text),
  fields: record(fieldValue),
});

/** A point as plain data (a JournalLinePoint's lazy getters read), -0 as JSON keeps it: 0. */
function plain(p: Point) {
  return { measurement: p.measurement, time: p.time.toISOString(), tags: { ...p.tags }, fields: JSON.parse(JSON.stringify(p.fields)) as unknown };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** What each of the store's readers gives back from `dir`, with the lines each skipped. */
async function readEveryWay(dir: string) {
  const skipped = { points: [] as SkippedLine[], batches: [] as SkippedLine[], tail: [] as SkippedLine[] };
  const viaPoints = await collect(readPoints(dir, { onSkip: (s) => skipped.points.push(s) }));
  const viaBatches = (await collect(readJournalBatches(dir, undefined, (s) => skipped.batches.push(s)))).flat();
  const viaTail: Point[] = [];
  await new JournalTail(dir).read({ measurements: () => undefined, onPoint: (p) => viaTail.push(p), onSkip: (s) => skipped.tail.push(s) });
  return { viaPoints, viaBatches, viaTail, skipped };
}

const clock = () => new Date("2026-02-05T09:00:00.000Z");

describe("journal write and read round trip (property)", () => {
  it("every reader gives back exactly the points written, hostile strings included", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(point, { minLength: 1, maxLength: 20 }), async (points) => {
        const dir = join(root, `ok-${runs++}`);
        const journal = new Journal({ dir, flushIntervalMs: 0, clock });
        await journal.write(points);
        await journal.write(hostilePoints());
        await journal.close();
        const expected = [...points, ...hostilePoints()].map(plain);
        const { viaPoints, viaBatches, viaTail, skipped } = await readEveryWay(dir);
        expect(viaPoints.map(plain)).toEqual(expected);
        expect(viaBatches.map(plain)).toEqual(expected);
        expect(viaTail.map(plain)).toEqual(expected);
        expect([skipped.points, skipped.batches, skipped.tail]).toEqual([[], [], []]);
      }),
      { numRuns: 60 },
    );
  });

  it("a torn line (a write cut short, then closed off by the next append) or a garbage line is skipped and counted; every other point is read", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(point, { minLength: 2, maxLength: 10 }),
        fc.array(fc.record({ after: fc.nat(), cut: fc.double({ min: 0.05, max: 0.95, noNaN: true }), garbage: fc.option(text.filter((g) => !g.includes("\n") && g !== ""), { nil: undefined }) }), { minLength: 1, maxLength: 4 }),
        async (points, damages) => {
          const dir = join(root, `torn-${runs++}`);
          const torn: unknown[] = [];
          const journal = new Journal({ dir, flushIntervalMs: 0, clock, onTorn: (t) => torn.push(t) });
          const expected: Point[] = [];
          const file = join(dir, "2026-02-05.jsonl");
          let next = 0;
          let bad = 0;
          for (const damage of damages) {
            const upTo = Math.min(points.length, next + (damage.after % 3) + 1);
            await journal.write(points.slice(next, upTo));
            expected.push(...points.slice(next, upTo));
            next = upTo;
            if (damage.garbage !== undefined) {
              // Not a point at all (edited by hand): a line of its own.
              await appendFile(file, damage.garbage + "\n");
            } else {
              // The first part of a line: what a write cut short by a full disk leaves.
              const line = JSON.stringify({ measurement: "outcome", time: "2026-02-05T09:00:00.000Z", tags: { repo: "o/r", pr: "1" }, fields: { result: "success" } });
              await appendFile(file, line.slice(0, Math.max(1, Math.floor(line.length * damage.cut))));
            }
            bad++;
            // The next append closes a partial line off (so no point is glued to it).
            const after = points[bad % points.length]!;
            await journal.write([after]);
            expected.push(after);
          }
          await journal.write(points.slice(next));
          expected.push(...points.slice(next));
          await journal.close();
          const { viaPoints, viaBatches, viaTail, skipped } = await readEveryWay(dir);
          expect(viaPoints.map(plain)).toEqual(expected.map(plain));
          expect(viaBatches.map(plain)).toEqual(expected.map(plain));
          expect(viaTail.map(plain)).toEqual(expected.map(plain));
          // A garbage line that happens to be valid JSON of a point is no damage: none is generated
          // here (a text of the arbitrary is never a point line), so each one is skipped and counted.
          expect(skipped.points).toHaveLength(bad);
          expect(skipped.batches).toHaveLength(bad);
          expect(skipped.tail).toHaveLength(bad);
          expect(torn.length).toBe(damages.filter((d) => d.garbage === undefined).length);
        },
      ),
      { numRuns: 40 },
    );
  });
});

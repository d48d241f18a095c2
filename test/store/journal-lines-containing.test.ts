import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileLinesContaining } from "../../src/store/journal-lines-containing.js";
import { readPoints } from "../../src/store/read-points.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lines-containing-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect<T>(lines: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe("fileLinesContaining", () => {
  it("finds whole lines across 1 MiB reads, a line longer than a read, several hits in a line, but not a torn last line", async () => {
    const filler = (n: number) => `{"pad":"${"x".repeat(n)}"}`;
    const long = `{"id":"long","pad":"${"é".repeat(1_500_000)}","k":"NEEDLE"}`;
    const lines = [filler(1_048_000), '{"id":"a","k":"NEEDLE"}', filler(500_000), long, '{"id":"b","k":"NEEDLE NEEDLE"}', filler(10)];
    await writeFile(join(dir, "2026-02-05.jsonl"), lines.join("\n") + '\n{"id":"torn","k":"NEEDLE"');
    const found = await collect(fileLinesContaining(join(dir, "2026-02-05.jsonl"), "NEEDLE"));
    expect(found.map(({ line: l }) => (l.length > 100 ? `long:${l.length}` : l))).toEqual(['{"id":"a","k":"NEEDLE"}', `long:${long.length}`, '{"id":"b","k":"NEEDLE NEEDLE"}']);
    expect(found[1]!.line).toBe(long);
    const offset = (i: number) => lines.slice(0, i).reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
    expect(found.map((f) => f.offset)).toEqual([offset(1), offset(3), offset(4)]);
  });

  it("readPoints by pr or time reads the journal's day files from writtenFromDay on, newest first when asked; a missing folder gives nothing", async () => {
    const line = (time: string, pr: string) => JSON.stringify({ measurement: "outcome", time, tags: { repo: "o/r", pr }, fields: { result: "success" } });
    await writeFile(join(dir, "2026-02-04.jsonl"), line("2026-02-04T00:00:00.000Z", "1") + "\n");
    await writeFile(join(dir, "2026-02-05.jsonl"), line("2026-02-05T00:00:00.000Z", "1") + "\n" + line("2026-02-05T00:00:00.000Z", "12") + "\n");
    await writeFile(join(dir, "notes.txt"), line("2026-02-05T00:00:00.000Z", "1") + "\n");
    const days = async (query: Parameters<typeof readPoints>[1]) => (await collect(readPoints(dir, query))).map((p) => `${p.time.toISOString().slice(0, 10)}#${p.tags.pr}`);
    expect(await days({ repo: "o/r", pr: 1 })).toEqual(["2026-02-04#1", "2026-02-05#1"]);
    expect(await days({ pr: 1, order: "desc" })).toEqual(["2026-02-05#1", "2026-02-04#1"]);
    expect(await days({ pr: 1, writtenFromDay: "2026-02-05" })).toEqual(["2026-02-05#1"]);
    expect(await days({ at: new Date("2026-02-05T00:00:00.000Z") })).toEqual(["2026-02-05#1", "2026-02-05#12"]);
    expect(await collect(readPoints(join(dir, "missing"), { pr: 1 }))).toEqual([]);
  });
});

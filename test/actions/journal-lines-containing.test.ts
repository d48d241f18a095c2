import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileLinesContaining, journalLinesContaining } from "../../src/actions/journal-lines-containing.js";

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
    expect(found.map((l) => (l.length > 100 ? `long:${l.length}` : l))).toEqual(['{"id":"a","k":"NEEDLE"}', `long:${long.length}`, '{"id":"b","k":"NEEDLE NEEDLE"}']);
    expect(found[1]).toBe(long);
  });

  it("reads the journal's day files from fromDay on; a missing folder gives nothing", async () => {
    await writeFile(join(dir, "2026-02-04.jsonl"), '{"k":"N"}\n');
    await writeFile(join(dir, "2026-02-05.jsonl"), '{"k":"N"}\n');
    await writeFile(join(dir, "notes.txt"), '{"k":"N"}\n');
    expect((await collect(journalLinesContaining(dir, "N"))).map((l) => l.file)).toEqual(["2026-02-04.jsonl", "2026-02-05.jsonl"]);
    expect((await collect(journalLinesContaining(dir, "N", { fromDay: "2026-02-05" }))).map((l) => l.file)).toEqual(["2026-02-05.jsonl"]);
    expect(await collect(journalLinesContaining(join(dir, "missing"), "N"))).toEqual([]);
  });
});

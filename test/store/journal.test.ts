import { mkdtemp, readFile, readdir, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Journal, readJournal, readJournalLines } from "../../src/store/journal.js";
import { makePoint, type Point } from "../../src/store/point.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "journal-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const observation = makePoint(
  "pr_observation",
  new Date("2026-02-05T09:00:00.000Z"),
  { repo: "dappcore/core", pr: "315", author: "jules[bot]" },
  { merge_state: "CLEAN", mergeable: true, checks_total: 8, pr_age_hours: 48, gone: undefined },
);

describe("Journal", () => {
  it("writes one point a line in the documented format, in a file named by UTC day", async () => {
    const journal = new Journal({ dir, clock: () => new Date("2026-02-05T23:59:59.999Z") });
    await journal.write([observation]);
    await journal.close();
    expect(await readdir(dir)).toEqual(["2026-02-05.jsonl"]);
    expect(await readFile(join(dir, "2026-02-05.jsonl"), "utf8")).toBe(
      '{"measurement":"pr_observation","time":"2026-02-05T09:00:00.000Z","tags":{"repo":"dappcore/core","pr":"315","author":"jules[bot]"},"fields":{"merge_state":"CLEAN","mergeable":true,"checks_total":8,"pr_age_hours":48}}\n',
    );
  });

  it("rotates at UTC midnight and reads back in time order", async () => {
    let now = new Date("2026-02-05T23:59:59.000Z");
    const journal = new Journal({ dir, clock: () => now });
    await journal.write([observation]);
    now = new Date("2026-02-06T00:00:00.000Z");
    const later = { ...observation, time: now };
    await journal.write([later]);
    await journal.close();
    expect((await readdir(dir)).sort()).toEqual(["2026-02-05.jsonl", "2026-02-06.jsonl"]);
    const read: Point[] = [];
    for await (const p of readJournal(dir)) read.push(p);
    expect(read.map((p) => p.time.toISOString())).toEqual(["2026-02-05T09:00:00.000Z", "2026-02-06T00:00:00.000Z"]);
  });

  it("stores hostile strings intact", async () => {
    const hostile = 'a "quoted", comma=equals space\nnewline 🚀 tab\t back\\slash\\';
    const point = makePoint("action_taken", new Date("2026-02-05T09:00:00.000Z"), { repo: "o/r", pr: "1" }, { reason: hostile, action: "wait" });
    const journal = new Journal({ dir });
    await journal.write([{ ...point, tags: { ...point.tags, author: hostile } }]);
    await journal.close();
    const read: Point[] = [];
    for await (const p of readJournal(dir)) read.push(p);
    expect(read).toHaveLength(1);
    expect(read[0]!.fields.reason).toBe(hostile);
    expect(read[0]!.tags.author).toBe(hostile);
  });

  it("keeps lines whole under many concurrent writers", async () => {
    const a = new Journal({ dir });
    const b = new Journal({ dir });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const p = makePoint("pr_observation", new Date(1_700_000_000_000 + i), { repo: "o/r", pr: String(i) }, { body: "x".repeat(5000 + i) });
      writes.push((i % 2 ? a : b).write([p, p]));
    }
    await Promise.all(writes);
    await Promise.all([a.close(), b.close()]);
    const [file] = await readdir(dir);
    const lines = (await readFile(join(dir, file!), "utf8")).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(400);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it("refuses a non-finite number without writing anything", async () => {
    const journal = new Journal({ dir });
    const bad = makePoint("outcome", new Date(), { repo: "o/r", pr: "1" }, { resolution_hours: Number.NaN });
    await expect(journal.write([observation, bad])).rejects.toThrow(/resolution_hours/);
    await journal.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it("skips a torn last line and yields it once it is complete", async () => {
    const path = join(dir, "2026-02-05.jsonl");
    const whole = JSON.stringify({ measurement: "m", time: "2026-02-05T00:00:00.000Z", tags: {}, fields: { a: 1 } });
    await writeFile(path, whole + "\n" + whole.slice(0, 20));
    const first = [];
    for await (const l of readJournalLines(path)) first.push(l);
    expect(first).toEqual([{ line: whole, offset: 0, end: whole.length + 1 }]);
    await appendFile(path, whole.slice(20) + "\n");
    const rest = [];
    for await (const l of readJournalLines(path, first[0]!.end)) rest.push(l.line);
    expect(rest).toEqual([whole]);
  });

  it("reports an unwritable folder as a problem and a failed write as a StoreError", async () => {
    const file = join(dir, "not-a-dir");
    await writeFile(file, "");
    const journal = new Journal({ dir: join(file, "journal") });
    expect(await journal.problem()).toMatch(/not writable/);
    await expect(journal.write([observation])).rejects.toThrow(/DATA_DIR is writable/);
  });
});

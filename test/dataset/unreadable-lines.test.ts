import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, lstat, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { serializePoint } from "../../src/store/journal-line.js";
import type { Point } from "../../src/store/point.js";
import { act, obs, out, writeJournal } from "./fixtures.js";

// The same journal with and without damaged lines must give the same export and stats, the
// damaged lines skipped and counted (said once on stderr, and in the dataset card).
let damagedDir: string;
let cleanDir: string;
beforeEach(async () => {
  damagedDir = await mkdtemp(join(tmpdir(), "unreadable-damaged-"));
  cleanDir = await mkdtemp(join(tmpdir(), "unreadable-clean-"));
});
afterEach(async () => {
  await rm(damagedDir, { recursive: true, force: true });
  await rm(cleanDir, { recursive: true, force: true });
});

const R = "dappcore/core";
const line = (p: Point) => serializePoint(p);

/** Clean points, and the journal text of the same points with damaged lines among them. */
function journals(): { clean: Point[]; damaged: string } {
  const clean: Point[] = [];
  const text: string[] = [];
  const add = (...points: Point[]) => {
    clean.push(...points);
    text.push(...points.map(line));
  };
  const damage = (raw: string) => text.push(raw);
  for (let pr = 1; pr <= 4; pr++) {
    add(obs(R, pr, `2026-02-0${pr}T08:00:00.000Z`, { checks_total: pr, merge_state: "BLOCKED" }));
    // Damaged inside its fields, and newer than the readable observation: the action's signals
    // must come from the readable one, as if the damaged line were not there.
    const newer = line(obs(R, pr, `2026-02-0${pr}T08:30:00.000Z`, { checks_total: 99, merge_state: "CLEAN" }));
    if (pr === 1) damage(newer.replace('"checks_total":99', '"checks_total":9x9'));
    if (pr === 2) damage(newer.replace('"merge_state":"CLEAN"', '"merge_state":"CL\u0000EAN"')); // a control character inside a string
    if (pr === 3) damage(newer.replace('"fields":{', '"fields":{"nested":{"a":1},')); // valid JSON, wrong shape
    if (pr === 4) damage(newer.slice(0, 120) + line(obs(R, 4, "2026-02-04T08:40:00.000Z", { checks_total: 98 }))); // a torn line joined to the next
    add(act(R, pr, `2026-02-0${pr}T09:00:00.000Z`, pr % 2 ? "wait" : "request_review_fix"));
    // Same identity as a readable observation, damaged: the readable one stands.
    damage(line(obs(R, pr, `2026-02-0${pr}T08:00:00.000Z`, { checks_total: 77 })).replace('"checks_total":77', '"checks_total":77,,'));
    add(out(R, pr, `2026-02-0${pr}T12:00:00.000Z`, "success", 4));
    // After the outcome: an unreadable "reopened" observation must not censor the example.
    damage(line(obs(R, pr, `2026-02-0${pr}T13:00:00.000Z`, { state: "OPEN" })).replace('"state":"OPEN"', '"state":OPEN'));
  }
  // Damaged in the tags, truncated, binary garbage, other shapes.
  damage(line(act(R, 1, "2026-02-01T09:30:00.000Z", "wait")).replace('"pr":"1"', '"pr":1'));
  damage(line(act(R, 2, "2026-02-02T09:30:00.000Z", "wait")).slice(0, 60));
  damage(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0x80, 0x01]).toString("latin1"));
  damage('["not","a","point"]');
  damage(line(out(R, 3, "2026-02-03T12:30:00.000Z", "closed", 1)).replace(/"fields":\{.*\}\}$/, '"fields":["closed"]}'));
  return { clean, damaged: text.join("\n") + "\n" };
}

const DAMAGED_LINES = 4 * 3 + 5;

async function run(dataDir: string, args: string[]) {
  const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

async function setUp(): Promise<void> {
  const { clean, damaged } = journals();
  await writeJournal(join(cleanDir, "journal"), clean);
  await mkdir(join(damagedDir, "journal"), { recursive: true });
  await appendFile(join(damagedDir, "journal", "2026-02-05.jsonl"), damaged, "latin1");
}

describe("readers skip and count unreadable journal lines", () => {
  it("export --kind examples: same examples as without the damaged lines; the count is on stderr once and in the card", async () => {
    await setUp();
    const expected = await run(cleanDir, ["export"]);
    expect(expected.code).toBe(0);
    const got = await run(damagedDir, ["export", "--out", join(damagedDir, "export.jsonl")]);
    expect(got.code, got.err).toBe(0);
    expect(await readFile(join(damagedDir, "export.jsonl"), "utf8")).toBe(expected.out);
    expect(got.err.match(/unreadable lines skipped: (\d+)/g)).toEqual([`unreadable lines skipped: ${DAMAGED_LINES}`]);
    const card = await readFile(join(damagedDir, "export.card.md"), "utf8");
    expect(card).toContain(`unreadable lines skipped: ${DAMAGED_LINES} (torn`);
  });

  it.each([
    // The reader skips the 6 lines that are not points (whatever their measurement); observations
    // damaged inside their fields are found when their fields are used.
    ["observations", 6 + 11],
    ["actions", 6],
    ["outcomes", 6],
  ])("export --kind %s: same lines as without the damaged lines", async (kind, skipped) => {
    await setUp();
    const expected = await run(cleanDir, ["export", "--kind", kind]);
    const got = await run(damagedDir, ["export", "--kind", kind]);
    expect(got.code, got.err).toBe(0);
    expect(got.out).toBe(expected.out);
    expect(got.err).toContain(`unreadable lines skipped: ${skipped}`);
  });

  it("stats: same figures as without the damaged lines, and one line on stderr with the count", async () => {
    await setUp();
    const expected = await run(cleanDir, ["stats", "--json"]);
    const got = await run(damagedDir, ["stats", "--json"]);
    expect(got.code, got.err).toBe(0);
    expect(JSON.parse(got.out)).toEqual(JSON.parse(expected.out));
    expect(got.err.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^stats: ${DAMAGED_LINES} unreadable line\\(s\\) skipped`))]);
  });
});

describe("export --out to something that is not a regular file", () => {
  it("writes through a link to /dev/null without replacing it and writes no card beside it", async () => {
    await setUp();
    const sink = join(damagedDir, "sink");
    await symlink("/dev/null", sink);
    const got = await run(damagedDir, ["export", "--out", sink]);
    expect(got.code, got.err).toBe(0);
    expect((await lstat(sink)).isSymbolicLink()).toBe(true);
    expect(await readdir(damagedDir)).not.toContain("sink.card.md");
    expect(got.err).not.toContain("dataset card");
  });
});

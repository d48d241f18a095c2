import { appendFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeliveryLog, type DeliveryRecord } from "../../src/pipeline/delivery-log.js";
import { Journal, readJournal, type SkippedLine, type TornTail } from "../../src/store/journal.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { recordingLog, silentLog } from "../helpers/silent-log.js";

// A disk that fills up half way through one write(2): the kernel writes what fits and returns a
// short count, and the write of the rest fails with ENOSPC. Mocked at node:fs so the journal's
// own appends go through it, whatever the journal does about it.
const disk = vi.hoisted(() => ({ fillAfter: undefined as number | undefined }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, buf: Buffer, offset?: number, length?: number, position?: number | null) => {
    if (disk.fillAfter === undefined || !Buffer.isBuffer(buf)) return (fs.writeSync as (...a: unknown[]) => number)(fd, buf, offset, length, position);
    const room = disk.fillAfter;
    const len = length ?? buf.length - (offset ?? 0);
    if (room === 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    const n = fs.writeSync(fd, buf, offset ?? 0, Math.min(room, len));
    disk.fillAfter = room - n;
    return n;
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

let dataDir: string;
let dir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "journal-torn-"));
  dir = join(dataDir, "journal");
  disk.fillAfter = undefined;
});
afterEach(async () => {
  disk.fillAfter = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

const clock = () => new Date("2026-02-05T12:00:00.000Z");
const obs = (pr: number, minute: number): Point =>
  makePoint("pr_observation", new Date(Date.UTC(2026, 1, 5, 9, minute)), { repo: "dappcore/core", pr: String(pr) }, { merge_state: "CLEAN", checks_total: pr });

async function readAll(): Promise<{ points: Point[]; skipped: SkippedLine[] }> {
  const points: Point[] = [];
  const skipped: SkippedLine[] = [];
  for await (const p of readJournal(dir, undefined, (s) => skipped.push(s))) points.push(p);
  return { points, skipped };
}

describe("Journal: a write cut short by a full disk", () => {
  it("keeps the earlier points and the next point after an ENOSPC half way through a write", async () => {
    const torn: TornTail[] = [];
    const journal = new Journal({ dir, clock, flushIntervalMs: 0, onTorn: (t) => torn.push(t) });
    await journal.write([obs(1, 0), obs(2, 1)]);
    disk.fillAfter = 70; // the disk fills inside the first line of the next batch
    await expect(journal.write([obs(3, 2), obs(4, 3)])).rejects.toThrow(/ENOSPC.*disk has room/);
    disk.fillAfter = undefined; // room again
    await journal.write([obs(5, 4)]);
    await journal.close();

    const { points, skipped } = await readAll();
    expect(points.map((p) => p.tags.pr)).toEqual(["1", "2", "5"]);
    expect(points[2]).toEqual(obs(5, 4));
    // The fragment is a line of its own, skipped and counted, and set aside with its offset.
    expect(skipped).toHaveLength(1);
    expect(torn).toEqual([{ file: "journal/2026-02-05.jsonl", offset: skipped[0]!.offset, length: 70, savedTo: expect.any(String) }]);
    expect(await readFile(torn[0]!.savedTo!, "utf8")).toBe((await readFile(join(dir, "2026-02-05.jsonl"), "utf8")).slice(skipped[0]!.offset, skipped[0]!.offset + 70));
    expect(torn[0]!.savedTo).toBe(join(dataDir, "torn", "journal", `2026-02-05.jsonl.${skipped[0]!.offset}`));
  });

  it("closes off a partial line left by another process (or a power loss) before appending to the file", async () => {
    const journal = new Journal({ dir, clock, flushIntervalMs: 0 });
    await journal.write([obs(1, 0)]);
    // Another writer of the same day file (the CLI) died after a write cut short.
    await appendFile(join(dir, "2026-02-05.jsonl"), '{"measurement":"action_taken","time":"2026-02-05T09:30:00.000Z","tags":{"repo":"dappcore/co');
    await journal.write([obs(2, 1)]);
    await journal.close();
    const { points, skipped } = await readAll();
    expect(points.map((p) => p.tags.pr)).toEqual(["1", "2"]);
    expect(skipped).toHaveLength(1);
  });
});

describe("Journal: a partial last line found when a file is opened", () => {
  it("sets the tail aside under DATA_DIR/torn, and the next point is readable", async () => {
    const first = new Journal({ dir, clock, flushIntervalMs: 0 });
    await first.write([obs(1, 0), obs(2, 1)]);
    await first.close();
    const path = join(dir, "2026-02-05.jsonl");
    const whole = (await readFile(path, "utf8")).length;
    // A power loss: the end of the last write never reached the disk.
    await appendFile(path, '{"measurement":"pr_observation","time":"2026-02-05T09:02:00.000Z","tags":{"repo":"dappcore/core","pr":"3"},"fields":{"merge_st');

    const torn: TornTail[] = [];
    const second = new Journal({ dir, clock, flushIntervalMs: 0, onTorn: (t) => torn.push(t) });
    await second.repairTails();
    expect(torn).toHaveLength(1);
    expect(torn[0]!.offset).toBe(whole);
    expect(await readdir(join(dataDir, "torn", "journal"))).toEqual([`2026-02-05.jsonl.${whole}`]);
    await second.write([obs(4, 3)]);
    await second.close();

    const { points, skipped } = await readAll();
    expect(points.map((p) => p.tags.pr)).toEqual(["1", "2", "4"]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.offset).toBe(whole);
  });

  it("does not report a last line that was whole but for its newline (a write still being copied): it is read", async () => {
    const path = join(dir, "2026-02-05.jsonl");
    const first = new Journal({ dir, clock, flushIntervalMs: 0 });
    await first.write([obs(1, 0)]);
    await first.close();
    await appendFile(path, JSON.stringify({ measurement: "pr_observation", time: "2026-02-05T09:01:00.000Z", tags: { repo: "dappcore/core", pr: "2" }, fields: { checks_total: 2 } }));
    const torn: TornTail[] = [];
    const second = new Journal({ dir, clock, flushIntervalMs: 0, onTorn: (t) => torn.push(t) });
    await second.write([obs(3, 2)]);
    await second.close();
    expect(torn).toEqual([]);
    const { points, skipped } = await readAll();
    expect(points.map((p) => p.tags.pr)).toEqual(["1", "2", "3"]);
    expect(skipped).toEqual([]);
  });

  it("leaves a file that ends with a newline alone", async () => {
    const first = new Journal({ dir, clock, flushIntervalMs: 0 });
    await first.write([obs(1, 0)]);
    await first.close();
    const before = await readFile(join(dir, "2026-02-05.jsonl"), "utf8");
    const torn: TornTail[] = [];
    const second = new Journal({ dir, clock, onTorn: (t) => torn.push(t) });
    await second.repairTails();
    await second.close();
    expect(torn).toEqual([]);
    expect(await readFile(join(dir, "2026-02-05.jsonl"), "utf8")).toBe(before);
  });
});

const record = (id: string): DeliveryRecord => ({ id, trigger: "pull_request.opened", installationId: 7, owner: "o", repo: "r", prs: [1] });

describe("DeliveryLog: torn tails", () => {
  it("recovers a delivery accepted after a partial tail, after a restart", async () => {
    const deliveries = join(dataDir, "deliveries");
    const a = new DeliveryLog(deliveries, { log: silentLog(), clock, flushIntervalMs: 0 });
    await a.load();
    expect(await a.accept(record("before"))).toBe(true);
    a.done(["before"]);
    await a.close();
    // The process died during a write cut short.
    await appendFile(join(deliveries, "2026-02-05.jsonl"), '{"measurement":"delivery_accepted","time":"2026-02-05T11:00:00.000Z","tags":{"id":"lo');

    const { log, entries } = recordingLog();
    const b = new DeliveryLog(deliveries, { log, clock, flushIntervalMs: 0 });
    expect(await b.load()).toEqual([]);
    expect(entries.some((e) => /partial line/.test(String(e.msg)))).toBe(true);
    expect(await b.accept(record("after"))).toBe(true); // answered 200, then the process dies
    await b.close();

    const c = new DeliveryLog(deliveries, { log: silentLog(), clock, flushIntervalMs: 0 });
    expect((await c.load()).map((r) => r.id)).toEqual(["after"]);
    await c.close();
  });

  it("recovers a delivery accepted after an ENOSPC half way through the previous append", async () => {
    const deliveries = join(dataDir, "deliveries");
    const a = new DeliveryLog(deliveries, { log: silentLog(), clock, flushIntervalMs: 0 });
    await a.load();
    expect(await a.accept(record("first"))).toBe(true);
    disk.fillAfter = 40;
    await expect(a.accept(record("refused"))).rejects.toThrow(/ENOSPC/); // answered 5xx: GitHub redelivers
    disk.fillAfter = undefined;
    expect(await a.accept(record("second"))).toBe(true);
    await a.close();

    const b = new DeliveryLog(deliveries, { log: silentLog(), clock, flushIntervalMs: 0 });
    expect((await b.load()).map((r) => r.id)).toEqual(["first", "second"]);
    await b.close();
  });
});

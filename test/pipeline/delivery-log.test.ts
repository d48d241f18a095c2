import { mkdtemp, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import { DeliveryLog, type DeliveryRecord } from "../../src/pipeline/delivery-log.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { Journal, readJournal } from "../../src/store/journal.js";
import { makePoint } from "../../src/store/point.js";
import { silentLog } from "../helpers/silent-log.js";
import { testProbot } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "deliveries-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (id: string, prs = [1]): DeliveryRecord => ({ id, trigger: "pull_request.opened", installationId: 7, owner: "o", repo: "r", prs });

describe("DeliveryLog", () => {
  it("holds an outcome or action until it is done, across a restart, and refuses the same hold twice", async () => {
    const held = (id: string, kind: "outcome" | "action") => ({ id, kind, installationId: 7, owner: "o", repo: "r", input: '{"a":"line\\nwith \\"quotes\\""}' });
    const a = new DeliveryLog(dir, { log: silentLog() });
    await a.load();
    expect(await a.accept(record("d1"))).toBe(true);
    expect(await a.hold(held("d1:outcome", "outcome"))).toBe(true);
    expect(await a.hold(held("d1:action", "action"))).toBe(true);
    expect(await a.hold(held("d1:action", "action"))).toBe(false);
    a.done(["d1"]); // the observation's mark does not finish what the delivery holds
    a.done(["d1:action"]);
    await a.close();
    const b = new DeliveryLog(dir, { log: silentLog() });
    expect(await b.load()).toEqual([]);
    expect(b.heldRecords()).toEqual([held("d1:outcome", "outcome")]);
    expect(await b.hold(held("d1:outcome", "outcome"))).toBe(false);
    b.done(["d1:outcome"]);
    await b.close();
    const c = new DeliveryLog(dir, { log: silentLog() });
    await c.load();
    expect(c.heldRecords()).toEqual([]);
    await c.close();
  });

  it("refuses a delivery id it has taken, also after a restart", async () => {
    const a = new DeliveryLog(dir, { log: silentLog() });
    await a.load();
    expect(await a.accept(record("x"))).toBe(true);
    expect(await a.accept(record("x"))).toBe(false);
    await a.close();
    const b = new DeliveryLog(dir, { log: silentLog() });
    await b.load();
    expect(b.has("x")).toBe(true);
    expect(await b.accept(record("x"))).toBe(false);
    await b.close();
  });

  it("appends deliveries accepted in one turn of the event loop together, before any accept resolves", async () => {
    const log = new DeliveryLog(dir, { log: silentLog() });
    await log.load();
    const write = vi.spyOn(Journal.prototype, "write");
    try {
      const accepted = [log.accept(record("a")), log.accept(record("b")), log.accept(record("a"))];
      expect(write).not.toHaveBeenCalled();
      // What the file holds the moment each of the two new deliveries' accept resolves.
      const onDisk = await Promise.all(
        accepted.slice(0, 2).map((p) =>
          p.then(async () => {
            const ids: string[] = [];
            for await (const point of readJournal(dir)) ids.push(point.tags.id!);
            return ids;
          }),
        ),
      );
      expect(await Promise.all(accepted)).toEqual([true, true, false]);
      expect(write).toHaveBeenCalledTimes(1);
      expect(write.mock.calls[0]![0].map((p) => p.tags.id)).toEqual(["a", "b"]);
      // Each accept resolved with its record already in the file.
      expect(onDisk).toEqual([["a", "b"], ["a", "b"]]);
    } finally {
      write.mockRestore();
      await log.close();
    }
  });

  it("writes records still waiting for the end of the turn when closed", async () => {
    const a = new DeliveryLog(dir, { log: silentLog() });
    await a.load();
    const accepted = a.accept(record("late"));
    await a.close();
    expect(await accepted).toBe(true);
    const b = new DeliveryLog(dir, { log: silentLog() });
    expect((await b.load()).map((r) => r.id)).toEqual(["late"]);
    await b.close();
  });

  it("fails every delivery of a batch whose append failed", async () => {
    const log = new DeliveryLog(dir, { log: silentLog() });
    await log.load();
    const write = vi.spyOn(Journal.prototype, "write").mockRejectedValueOnce(new Error("disk full"));
    try {
      const results = await Promise.allSettled([log.accept(record("x1")), log.accept(record("x2"))]);
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    } finally {
      write.mockRestore();
      await log.close();
    }
  });

  it("marks the deliveries of one observation done in one record, and still reads one record per id", async () => {
    const a = new DeliveryLog(dir, { log: silentLog() });
    await a.load();
    for (const id of ["o-1", "o-2", "o-3", "old-1", "comma,1", "open-2"]) await a.accept(record(id));
    a.done(["o-1", "o-2", "o-3"]);
    a.done(["comma,1"]);
    await a.close();
    // A record written before this format: one line per id.
    const old = new Journal({ dir });
    await old.write([makePoint("delivery_done", new Date(), { id: "old-1" }, { done: true })]);
    await old.close();
    const done: string[] = [];
    for await (const point of readJournal(dir)) if (point.measurement === "delivery_done") done.push(point.tags.id!);
    expect(done).toEqual(["o-1", "comma,1", "old-1"]);
    const b = new DeliveryLog(dir, { log: silentLog() });
    expect((await b.load()).map((r) => r.id)).toEqual(["open-2"]);
    await b.close();
  });

  it("returns the deliveries accepted but never marked done", async () => {
    const a = new DeliveryLog(dir, { log: silentLog() });
    await a.load();
    await a.accept(record("done-1"));
    await a.accept(record("open-1", [3, 4]));
    await a.accept({ ...record("sha-1", []), sha: "abc" });
    a.done(["done-1"]);
    await a.close();
    const b = new DeliveryLog(dir, { log: silentLog() });
    expect(await b.load()).toEqual([
      { ...record("open-1", [3, 4]), sha: undefined, seq: 2 },
      { ...record("sha-1", []), sha: "abc", seq: 3 },
    ]);
    await b.close();
  });

  it("marks deliveries done by watermark: per PR (all its PRs) and per commit, whatever their number", async () => {
    const a = new DeliveryLog(dir, { log: silentLog() });
    await a.load();
    const r = (id: string, prs: number[], sha?: string) => ({ ...record(id, prs), sha });
    for (const d of [r("p1-a", [1]), r("p1-b", [1]), r("p2", [2]), r("p1p2", [1, 2]), r("s1", [], "abc"), r("s2", [], "def")]) await a.accept(d);
    const last = r("p1-late", [1]);
    await a.accept(last);
    // PR 1 observed after "p1p2" (seq 4) was accepted, but before "p1-late" (seq 7); commit abc after s1 (seq 5).
    a.observed([
      { owner: "o", repo: "r", number: 1, through: 4, commits: [["abc", 5]], deliveries: 4 },
      { owner: "o", repo: "other", number: 2, through: 99, commits: [], deliveries: 1 },
    ]);
    expect(last.seq).toBe(7);
    await a.close();
    const b = new DeliveryLog(dir, { log: silentLog() });
    // p2 and p1p2 wait for PR 2 of o/r; s2's commit was never observed; p1-late came after the mark.
    expect((await b.load()).map((x) => x.id)).toEqual(["p2", "p1p2", "s2", "p1-late"]);
    // Numbers keep increasing across restarts (a mark never covers a later delivery).
    const next = r("after-restart", [1]);
    await b.accept(next);
    expect(next.seq).toBe(100);
    await b.close();
  });

  it("numbers a record written before sequence numbers, so a watermark can mark it after recovery", async () => {
    const old = new Journal({ dir });
    await old.write([makePoint("delivery_accepted", new Date(), { id: "legacy" }, { trigger: "pull_request.opened", installation: 7, owner: "o", repo: "r", prs: "5" })]);
    await old.close();
    const a = new DeliveryLog(dir, { log: silentLog() });
    const [legacy] = await a.load();
    expect(legacy).toMatchObject({ id: "legacy", prs: [5], seq: 1 });
    a.observed([{ owner: "o", repo: "r", number: 5, through: 1, commits: [], deliveries: 1 }]);
    await a.close();
    const b = new DeliveryLog(dir, { log: silentLog() });
    expect(await b.load()).toEqual([]);
    await b.close();
  });

  it("prunes files older than two days", async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "2020-01-01.jsonl"), "");
    const log = new DeliveryLog(dir, { log: silentLog(), clock: () => new Date("2026-02-05T12:00:00Z") });
    await log.load();
    expect(await readdir(dir)).toEqual([]);
    await log.close();
  });
});

describe("recovery after a crash", () => {
  it("observes at the next start a delivery that was acknowledged but never observed", async () => {
    const never: SnapshotFunctions<unknown> = {
      fetch: () => new Promise(() => {}), // the process "dies" while fetching
      isMergeableUnknown: () => false,
      toPoint: () => {
        throw new Error("unreachable");
      },
    };
    const payload = webhookExample("pull_request", "opened", (p) => Boolean(p.installation));
    nock("https://api.github.com").get(/\/contents\//).times(4).reply(404, { message: "Not Found" });
    const crashed = createApp({ env: { DATA_DIR: dir, DEBOUNCE_MS: "5", FLUSH_INTERVAL_MS: "10" }, snapshots: never });
    const p1 = testProbot();
    await p1.load(crashed.appFn, { cwd: process.cwd(), addHandler: () => {} });
    await p1.receive({ id: "acked-1", name: "pull_request", payload } as any);
    await new Promise((r) => setTimeout(r, 50)); // acknowledged; no shutdown: the process is gone

    const fetched: string[] = [];
    const real: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
      fetch: async (_g, targets) => {
        fetched.push(...targets.map((t) => `${t.owner}/${t.repo}#${t.number}`));
        return new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t]));
      },
      isMergeableUnknown: () => false,
      toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger, delivery_id: ctx.deliveryId }),
    };
    const restarted = createApp({ env: { DATA_DIR: dir, DEBOUNCE_MS: "5" }, snapshots: real });
    const p2 = testProbot();
    await p2.load(restarted.appFn, { cwd: process.cwd(), addHandler: () => {} });
    await new Promise((r) => setTimeout(r, 100));
    await restarted.shutdown();
    expect(fetched).toEqual([`${payload.repository.full_name}#${payload.pull_request.number}`]);
    const points = [];
    for await (const p of readJournal(join(dir, "journal"))) points.push(p);
    expect(points.map((p) => p.fields)).toEqual([{ trigger: "pull_request.opened", delivery_id: "acked-1" }]);

    // and a third start has nothing left to recover
    const third = createApp({ env: { DATA_DIR: dir }, snapshots: real });
    const p3 = testProbot();
    await p3.load(third.appFn, { cwd: process.cwd(), addHandler: () => {} });
    await third.shutdown();
    expect(fetched).toHaveLength(1);
  });
});

import { appendFile, mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { StoreError } from "../../src/errors.js";
import type { DeadLetter } from "../../src/store/dead-letter.js";
import { Forwarder } from "../../src/store/forwarder.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/store/forwarder-checkpoint.js";
import { lineCount } from "../../src/store/influx-line.js";
import type { InfluxStore } from "../../src/store/influx-store.js";
import { InfluxV1Store } from "../../src/store/influx-v1-store.js";
import { InfluxWriteError } from "../../src/store/influx-write-error.js";
import { Journal } from "../../src/store/journal.js";
import { openStore, type TelemetryStore } from "../../src/store/open-store.js";
import { makePoint } from "../../src/store/point.js";
import { pruneJournal } from "../../src/store/prune-journal.js";
import { shipPoints } from "../../src/store/ship-points.js";
import { startCaptureServer } from "../helpers/capture-server.js";
import { freePort, startInfluxd, type Influxd } from "../helpers/influxd.js";
import { manyPoints } from "../helpers/hostile-points.js";
import { recordingLog, silentLog } from "../helpers/silent-log.js";

let influx: Influxd;
let dataDir: string;
let database: string;
let dbCounter = 0;
const opened: TelemetryStore[] = [];

beforeAll(async () => {
  influx = await startInfluxd();
});
afterAll(async () => {
  await influx?.close();
});
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "forwarder-"));
  database = `db${++dbCounter}`;
  await influx.query(`CREATE DATABASE "${database}"`);
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

function config(extra: Record<string, string> = {}) {
  return loadConfig({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: database, FLUSH_INTERVAL_MS: "10", ...extra });
}

async function open(options: Parameters<typeof openStore>[2] = {}, log = silentLog(), extra: Record<string, string> = {}): Promise<TelemetryStore> {
  const store = await openStore(config(extra), log, options);
  opened.push(store);
  return store;
}

async function countIn(db = database): Promise<number> {
  const results = await influx.query(`SELECT count("result") FROM "${db}"."autogen"."outcome"`);
  return (results[0]?.series?.[0]?.values[0]?.[1] as number | undefined) ?? 0;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An InfluxStore wrapper that records each request's size in lines and can be made slow. */
function counting(inner: InfluxStore, delayMs = 0): InfluxStore & { batches: number[] } {
  const batches: number[] = [];
  return Object.assign(Object.create(inner) as InfluxStore, {
    batches,
    async writeLines(lines: string[]) {
      batches.push(lineCount(lines));
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return inner.writeLines(lines);
    },
  });
}

describe("forwarder: journal -> InfluxDB 1.6.7", () => {
  it("ships a point to a healthy InfluxDB promptly, without waiting for a flush interval", async () => {
    const store = await open();
    await store.write(manyPoints(1));
    await waitFor(async () => (await countIn()) === 1, 3000);
    await waitFor(async () => (await store.health()).backlog === 0); // the checkpoint follows InfluxDB's answer
    expect(await store.health()).toMatchObject({ store: "influx-v1", ok: true, backlog: 0, influxReachable: true, pointsWritten: 1 });
  });

  it("logs at start which store is in use and the backlog, never a credential", async () => {
    const { log, entries } = recordingLog();
    await open({ forward: false }, log, { INFLUX_USERNAME: "writer", INFLUX_PASSWORD: "pa55word" });
    const line = entries.find((e) => e.store === "influx-v1")!;
    expect(line.msg).toBe(`store: influx-v1 at ${influx.url} database ${database}, through the journal in ${join(dataDir, "journal")}; 0 point(s) wait to be forwarded`);
    expect(JSON.stringify(entries)).not.toContain("pa55word");
  });

  it("grows batches under load (up to maxBatchLines) instead of one request per write", async () => {
    const target = counting(new InfluxV1Store({ url: influx.url, database }), 30);
    const store = await open({ influx: target, maxBatchLines: 2000 });
    for (let i = 0; i < 100; i++) await store.write(manyPoints(100, i * 100));
    expect((await store.drain(20_000)).backlog).toBe(0);
    expect(await countIn()).toBe(10_000);
    expect(target.batches.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(target.batches.length).toBeLessThan(50);
    expect(Math.max(...target.batches)).toBeGreaterThan(100);
    expect(Math.max(...target.batches)).toBeLessThanOrEqual(2000);
  });

  it("resumes from the checkpoint after a restart: nothing sent twice, nothing skipped", async () => {
    const first = counting(new InfluxV1Store({ url: influx.url, database }));
    const a = await open({ influx: first, forward: false });
    await a.write(manyPoints(300));
    expect(await a.drain(10_000)).toEqual({ backlog: 0 });
    await a.close();
    const checkpoint = JSON.parse(await readFile(join(dataDir, "forwarder", "checkpoint.json"), "utf8")) as { files: Record<string, number> };
    expect(Object.values(checkpoint.files)).toHaveLength(1);

    const second = counting(new InfluxV1Store({ url: influx.url, database }));
    const b = await open({ influx: second, forward: false });
    await b.write(manyPoints(50, 300));
    expect(await b.drain(10_000)).toEqual({ backlog: 0 });
    expect(first.batches.reduce((x, y) => x + y, 0)).toBe(300);
    expect(second.batches.reduce((x, y) => x + y, 0)).toBe(50);
    expect(await countIn()).toBe(350);
  });

  it("outage: influxd stopped while points are written; after it starts again every point is there exactly once", async () => {
    const { log, entries } = recordingLog();
    const store = await open({}, log);
    await store.write(manyPoints(500));
    await waitFor(async () => (await countIn()) === 500);
    // InfluxDB shows the points before its answer reaches the forwarder: wait for the checkpoint too.
    await waitFor(async () => (await store.health()).backlog === 0);
    await influx.stop();
    try {
      for (let i = 1; i <= 10; i++) await store.write(manyPoints(100, i * 1000));
      expect(await store.drain(300)).toEqual({ backlog: 1000 });
      const health = await store.health();
      expect(health).toMatchObject({ ok: true, backlog: 1000, influxReachable: false });
      expect(health.influxProblem).toMatch(/did not answer: ECONNREFUSED/);
      expect(entries.filter((e) => String(e.msg).includes("Retrying with backoff")).length).toBe(1); // once per outage, not per retry
    } finally {
      await influx.start();
    }
    await waitFor(async () => (await store.health()).backlog === 0, 10_000);
    const rows = await influx.query(`SELECT "detail" FROM "${database}"."autogen"."outcome"`);
    const details = rows[0]!.series![0]!.values.map((v) => v[1] as string);
    expect(details).toHaveLength(1500);
    expect(new Set(details).size).toBe(1500);
    expect(entries.some((e) => e.msg === "InfluxDB accepts writes again; forwarding the backlog")).toBe(true);
  });

  it("sets aside only the lines InfluxDB rejects (field type conflict) in a dead-letter file with the reason; the rest goes on", async () => {
    const store = await open({ forward: false });
    const t = Date.UTC(2026, 1, 5);
    // `x` is not declared, so its type follows the value: a float first, then a string (conflict).
    const good = Array.from({ length: 20 }, (_, i) => makePoint("outcome", new Date(t + i), { repo: "o/r", pr: "1" }, { result: "success", x: i + 0.5 }));
    const bad = makePoint("outcome", new Date(t + 100), { repo: "o/r", pr: "2" }, { result: "failure", x: "oops" });
    await store.write(good.slice(0, 10));
    expect(await store.drain(5000)).toEqual({ backlog: 0 });
    await store.write([...good.slice(10, 15), bad, ...good.slice(15)]);
    // and a line that is not a point at all (e.g. hand-edited)
    await appendFile(join(dataDir, "journal", (await readdir(join(dataDir, "journal")))[0]!), "not json\n");
    await store.write([makePoint("outcome", new Date(t + 200), { repo: "o/r", pr: "3" }, { result: "success" })]);
    expect(await store.drain(5000)).toEqual({ backlog: 0 });
    expect(await countIn()).toBe(21);
    const files = await readdir(join(dataDir, "dead-letter"));
    expect(files).toHaveLength(1);
    const letters = (await readFile(join(dataDir, "dead-letter", files[0]!), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as DeadLetter);
    expect(letters).toHaveLength(2);
    expect(letters[0]).toMatchObject({ status: 400, line: expect.stringContaining('"x":"oops"') });
    expect(letters[0]!.reason).toMatch(/field type conflict: input field "x" on measurement "outcome" is type string, already exists as type float/);
    expect(letters[1]).toMatchObject({ line: "not json", reason: "unreadable journal line: not a JSON line: not json" });
    expect(letters[1]!.status).toBeUndefined();
    expect(store.forwarder!.deadLettered).toBe(2);
  });

  it("dead-letters a torn tail (a write cut short) and forwards the point appended after it, without stalling", async () => {
    const store = await open({ forward: false });
    const t = Date.UTC(2026, 1, 5);
    await store.write([makePoint("outcome", new Date(t), { repo: "o/r", pr: "1" }, { result: "success" })]);
    const file = join(dataDir, "journal", (await readdir(join(dataDir, "journal")))[0]!);
    await appendFile(file, '{"measurement":"outcome","time":"2026-02-05T00:00:00.001Z","tags":{"repo":"o/r","pr":"2"},"fields":{"res');
    await store.write([makePoint("outcome", new Date(t + 2), { repo: "o/r", pr: "3" }, { result: "closed" })]);
    // An empty line (a newline closing off a write that turned out whole) is no point waiting.
    await appendFile(file, "\n");
    expect(await store.drain(5000)).toEqual({ backlog: 0 });
    expect(await countIn()).toBe(2);
    const files = await readdir(join(dataDir, "dead-letter"));
    const letters = (await readFile(join(dataDir, "dead-letter", files[0]!), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as DeadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toMatch(/^unreadable journal line: not a JSON line/);
    expect(await store.forwarder!.shipOnce()).toBe(0);
  });

  it("drain with InfluxDB down returns the backlog, and shipPoints says at once that InfluxDB did not answer", async () => {
    const downUrl = `http://127.0.0.1:${await freePort()}`;
    const down = new InfluxV1Store({ url: downUrl, database });
    const store = await open({ influx: down, forward: false });
    await store.write(manyPoints(7));
    expect(await store.drain(200)).toEqual({ backlog: 7 });
    const shipped = await shipPoints(store, 10_000);
    expect(shipped).toMatchObject({ backlog: 7, early: true });
    expect(shipped.why).toMatch(new RegExp(`^InfluxDB at ${downUrl} did not answer: ECONNREFUSED`));
  });

  it("drain reports a checkpoint that cannot be written as a problem, without throwing", async () => {
    const store = await open({ forward: false });
    await writeFile(join(dataDir, "forwarder"), "a file where the checkpoint folder should be");
    await store.write(manyPoints(4));
    // InfluxDB took the points, so nothing is waiting; only the record of it could not be kept
    // (after a restart they would be sent again, which is harmless).
    expect(await store.drain(2000)).toEqual({ backlog: 0 });
    expect(await countIn()).toBe(4);
    expect((await store.health()).influxProblem).toMatch(/^forwarding to InfluxDB failed: .*(EEXIST|ENOTDIR)/);
  });

  it("a checkpoint that cannot be read stops start-up with a StoreError naming DATA_DIR", async () => {
    await writeFile(join(dataDir, "forwarder"), "a file where the checkpoint folder should be");
    await expect(openStore(config(), silentLog())).rejects.toThrow(
      new StoreError(
        `cannot read the forwarder checkpoint ${join(dataDir, "forwarder", "checkpoint.json")}: ENOTDIR: not a directory, open '${join(dataDir, "forwarder", "checkpoint.json")}'. Check that DATA_DIR is writable.`,
      ),
    );
  });

  it("shipPoints leaves no backlog when InfluxDB took every point, and with the journal alone", async () => {
    const store = await open({ forward: false });
    await store.write(manyPoints(5));
    expect((await shipPoints(store, 5000)).backlog).toBe(0);
    expect(await countIn()).toBe(5);
    const journalOnly = await openStore(loadConfig({ DATA_DIR: join(dataDir, "other"), HOME: dataDir }), silentLog());
    opened.push(journalOnly);
    await journalOnly.write(manyPoints(2));
    expect((await shipPoints(journalOnly, 100)).backlog).toBe(0);
    expect((await journalOnly.health()).store).toBe("journal");
  });
});

describe("forwarder against an InfluxDB 2 stand-in (401, 429)", () => {
  it("401 keeps the backlog and logs what to fix once; the points go when the token works", async () => {
    let status = 401;
    const server = await startCaptureServer(() =>
      status === 204 ? { status } : { status, headers: { "content-type": "application/json" }, body: '{"code":"unauthorized","message":"unauthorized access"}' },
    );
    try {
      const { log, entries } = recordingLog();
      const store = await openStore(loadConfig({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: server.url, INFLUX_TOKEN: "tok" }), log);
      opened.push(store);
      await store.write(manyPoints(3));
      await waitFor(async () => server.requests.filter((r) => r.url.startsWith("/api/v2/write")).length >= 3);
      expect((await store.health()).backlog).toBe(3);
      const errors = entries.filter((e) => e.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.msg).toMatch(/HTTP 401: unauthorized access\); check INFLUX_TOKEN/);
      status = 204;
      await waitFor(async () => (await store.health()).backlog === 0);
      const last = server.requests.filter((r) => r.url.startsWith("/api/v2/write")).at(-1)!;
      expect(last.body.split("\n")).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it("429 Retry-After: waits as long as asked before trying again", async () => {
    const times: number[] = [];
    const server = await startCaptureServer((req) => {
      if (!req.url.startsWith("/api/v2/write")) return { status: 204 };
      times.push(Date.now());
      return times.length === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 204 };
    });
    try {
      const store = await openStore(loadConfig({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: server.url, INFLUX_TOKEN: "tok" }), silentLog());
      opened.push(store);
      await store.write(manyPoints(2));
      await waitFor(async () => (await store.health()).backlog === 0);
      expect(times).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    } finally {
      await server.close();
    }
  });
});

describe("forwarder backoff", () => {
  it("backs off while InfluxDB answers 503: the wait doubles from 250 ms, nothing is lost", async () => {
    const times: number[] = [];
    const server = await startCaptureServer((req) => {
      if (!req.url.startsWith("/api/v2/write")) return { status: 204 };
      times.push(Date.now());
      return times.length <= 4 ? { status: 503, body: "" } : { status: 204 };
    });
    try {
      const store = await openStore(loadConfig({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: server.url, INFLUX_TOKEN: "tok" }), silentLog());
      opened.push(store);
      await store.write(manyPoints(3));
      await waitFor(async () => (await store.health()).backlog === 0, 10_000);
      expect(times).toHaveLength(5);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(250 * 2 ** i - 20));
    } finally {
      await server.close();
    }
  });
});

describe("forwarder recovery", () => {
  it("while backing off from an InfluxDB that does not answer, it pings and resumes as soon as it answers", async () => {
    const dir = join(dataDir, "journal");
    const journal = new Journal({ dir });
    await journal.write(manyPoints(5));
    await journal.close();
    let up = false;
    let attempts = 0;
    let upAt = 0;
    let shippedAt = 0;
    const fake = {
      name: "influx-v1" as const,
      api: "v1" as const,
      target: "fake",
      async writeLines() {
        if (!up) {
          // After the 6th refusal the backoff is 50 ms * 2^5 = 1.6 s; InfluxDB comes back right away.
          if (++attempts === 6) setTimeout(() => ((up = true), (upAt = Date.now())), 10);
          throw new InfluxWriteError("InfluxDB at fake did not answer: ECONNREFUSED", "unavailable");
        }
        shippedAt = Date.now();
      },
      ping: async () => up,
      read: async function* () {},
      write: async () => undefined,
      close: async () => undefined,
    };
    const forwarder = new Forwarder({ journalDir: dir, dataDir, influx: fake, log: silentLog(), minBackoffMs: 50, maxBackoffMs: 60_000 });
    forwarder.start();
    try {
      await waitFor(async () => shippedAt > 0, 10_000);
      expect(attempts).toBe(6);
      expect(shippedAt - upAt).toBeLessThan(800); // not the 1.6 s backoff
      expect(await forwarder.backlog()).toBe(0);
    } finally {
      await forwarder.close();
    }
  });
});

describe("two requests in flight", () => {
  /**
   * A store that answers each request when the test says so (in any order), recording the lines of
   * each; the lines of accepted requests go to the real InfluxDB.
   */
  function controlled(inner: InfluxStore) {
    const requests: Array<{ lines: number; settle: (ok: boolean) => void; done: Promise<void> }> = [];
    const store = Object.assign(Object.create(inner) as InfluxStore, {
      async writeLines(lines: string[]) {
        let settle!: (ok: boolean) => void;
        const answer = new Promise<boolean>((resolve) => (settle = resolve));
        let finished!: () => void;
        const done = new Promise<void>((resolve) => (finished = resolve));
        requests.push({ lines: lineCount(lines), settle, done });
        try {
          if (!(await answer)) throw new InfluxWriteError("InfluxDB answered 503", "unavailable", 503);
          await inner.writeLines(lines);
        } finally {
          finished();
        }
      },
    });
    return { store, requests };
  }

  async function journalOf(points: number): Promise<{ dir: string; ends: number[] }> {
    const dir = join(dataDir, "journal");
    const journal = new Journal({ dir });
    await journal.write(manyPoints(points));
    await journal.close();
    const text = await readFile(join(dir, (await readdir(dir))[0]!));
    const ends: number[] = [];
    for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) ends.push(i + 1);
    return { dir, ends };
  }

  const checkpointed = async () =>
    Object.values((await loadCheckpoint(join(dataDir, "forwarder", "checkpoint.json"), new InfluxV1Store({ url: influx.url, database }).target)).files)[0] ?? 0;

  it("sends the next full batch while one is in flight, and checkpoints them in order", async () => {
    const { dir, ends } = await journalOf(250);
    const { store, requests } = controlled(new InfluxV1Store({ url: influx.url, database }));
    const forwarder = new Forwarder({ journalDir: dir, dataDir, influx: store, log: silentLog(), maxBatchLines: 100 });
    const first = forwarder.shipOnce();
    await waitFor(async () => requests.length === 2); // batch 2 went out before batch 1 was answered
    expect(requests.map((r) => r.lines)).toEqual([100, 100]);
    requests[1]!.settle(true); // the later batch is accepted first...
    await requests[1]!.done;
    expect(await checkpointed()).toBe(0); // ...but is not recorded before the earlier one
    requests[0]!.settle(true);
    expect(await first).toBe(100);
    expect(await checkpointed()).toBe(ends[99]);
    const second = forwarder.shipOnce(); // takes up batch 2 (already accepted) and sends batch 3
    await waitFor(async () => requests.length === 3);
    expect(await second).toBe(100);
    expect(await checkpointed()).toBe(ends[199]);
    requests[2]!.settle(true);
    expect(await forwarder.shipOnce()).toBe(50);
    expect(await forwarder.shipOnce()).toBe(0);
    expect(await checkpointed()).toBe(ends[249]);
    expect(await countIn()).toBe(250);
    await forwarder.close();
  });

  it("never advances the checkpoint past a batch InfluxDB did not accept, even when the one after it was accepted", async () => {
    const { dir, ends } = await journalOf(300);
    const { store, requests } = controlled(new InfluxV1Store({ url: influx.url, database }));
    const forwarder = new Forwarder({ journalDir: dir, dataDir, influx: store, log: silentLog(), maxBatchLines: 100 });
    const first = forwarder.shipOnce();
    await waitFor(async () => requests.length === 2);
    requests[1]!.settle(true); // batch 2 accepted (its points are in InfluxDB)...
    requests[0]!.settle(false); // ...batch 1 refused
    await expect(first).rejects.toThrow(/503/);
    expect(await checkpointed()).toBe(0);
    expect(await forwarder.backlog()).toBe(300);
    expect(forwarder.shipped).toBe(0);

    // Batch 1 accepted, the batch sent with it refused: the checkpoint stops after batch 1.
    const again = forwarder.shipOnce();
    await waitFor(async () => requests.length === 4);
    expect(requests.slice(2).map((r) => r.lines)).toEqual([100, 100]); // batch 2 is sent again
    requests[2]!.settle(true);
    expect(await again).toBe(100);
    const failing = forwarder.shipOnce(); // takes up batch 2 and sends batch 3 with it
    await waitFor(async () => requests.length === 5);
    requests[3]!.settle(false);
    requests[4]!.settle(true); // batch 3 is accepted, but forgotten: batch 2 before it was not
    await expect(failing).rejects.toThrow(/503/);
    expect(await checkpointed()).toBe(ends[99]);
    expect(await forwarder.backlog()).toBe(200);

    // The rest goes; every point is in InfluxDB exactly once although batches 2 and 3 were accepted twice.
    const rest = (async () => {
      let total = 0;
      for (let n = await forwarder.shipOnce(); n > 0; n = await forwarder.shipOnce()) total += n;
      return total;
    })();
    for (let answered = 5; ; answered++) {
      await waitFor(async () => requests.length > answered || (await forwarder.backlog()) === 0);
      if (requests.length <= answered) break;
      requests[answered]!.settle(true);
    }
    expect(await rest).toBe(200);
    expect(await checkpointed()).toBe(ends[299]);
    expect(forwarder.shipped).toBe(300);
    expect(await countIn()).toBe(300);
    await forwarder.close();
  });

  it("close() waits for the batch still in flight and records it", async () => {
    const { dir, ends } = await journalOf(200);
    const { store, requests } = controlled(new InfluxV1Store({ url: influx.url, database }));
    const forwarder = new Forwarder({ journalDir: dir, dataDir, influx: store, log: silentLog(), maxBatchLines: 100 });
    const first = forwarder.shipOnce();
    await waitFor(async () => requests.length === 2);
    requests[0]!.settle(true);
    expect(await first).toBe(100);
    const closed = forwarder.close();
    requests[1]!.settle(true);
    await closed;
    expect(await checkpointed()).toBe(ends[199]);
    expect(requests).toHaveLength(2);
  });

  it("with requestsInFlight 1, one request at a time", async () => {
    const { dir } = await journalOf(300);
    const { store, requests } = controlled(new InfluxV1Store({ url: influx.url, database }));
    const forwarder = new Forwarder({ journalDir: dir, dataDir, influx: store, log: silentLog(), maxBatchLines: 100, requestsInFlight: 1 });
    const first = forwarder.shipOnce();
    await waitFor(async () => requests.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(requests).toHaveLength(1);
    requests[0]!.settle(true);
    expect(await first).toBe(100);
    expect(requests).toHaveLength(1);
    await forwarder.close();
  });
});

describe("checkpoint and retention", () => {
  it("saves the checkpoint by rename (no temporary left) and ignores one written for another InfluxDB", async () => {
    const path = join(dataDir, "forwarder", "checkpoint.json");
    await saveCheckpoint(path, { target: "A", files: { "2026-02-05.jsonl": 42 } });
    expect(await readdir(join(dataDir, "forwarder"))).toEqual(["checkpoint.json"]);
    expect(await loadCheckpoint(path, "A")).toEqual({ target: "A", files: { "2026-02-05.jsonl": 42 } });
    expect(await loadCheckpoint(path, "B")).toEqual({ target: "B", files: {} });
    await writeFile(path, "{torn");
    expect(await loadCheckpoint(path, "A")).toEqual({ target: "A", files: {} });
  });

  it("prunes forwarded files older than the retention, never an unforwarded one, never a recent one", async () => {
    const dir = join(dataDir, "journal");
    await mkdir(dir, { recursive: true });
    const files = { "2026-01-01.jsonl": "a\n", "2026-01-02.jsonl": "bb\n", "2026-01-09.jsonl": "c\n" };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const checkpoint = { target: "t", files: { "2026-01-01.jsonl": 2, "2026-01-02.jsonl": 1, "2026-01-09.jsonl": 2 } };
    const deleted = await pruneJournal(dir, checkpoint, 7, new Date("2026-01-10T12:00:00Z"));
    expect(deleted).toEqual(["2026-01-01.jsonl"]); // 01-02 is not fully forwarded; 01-09 is recent
    expect((await readdir(dir)).sort()).toEqual(["2026-01-02.jsonl", "2026-01-09.jsonl"]);
    expect(checkpoint.files).toEqual({ "2026-01-02.jsonl": 1, "2026-01-09.jsonl": 2 });
    expect(await pruneJournal(dir, checkpoint, 0, new Date("2030-01-01"))).toEqual([]);
  });

  it("the running forwarder prunes old forwarded journal files (JOURNAL_RETENTION_DAYS)", async () => {
    const journalDir = join(dataDir, "journal");
    const old = new Journal({ dir: journalDir, clock: () => new Date("2020-01-01T10:00:00Z") });
    await old.write(manyPoints(3));
    await old.close();
    const store = await open({}, silentLog(), { JOURNAL_RETENTION_DAYS: "30" });
    await waitFor(async () => (await countIn()) === 3);
    // The first pass ships it; the next start (or hourly pass) prunes it.
    await store.close();
    opened.splice(opened.indexOf(store), 1);
    const again = await open({}, silentLog(), { JOURNAL_RETENTION_DAYS: "30" });
    await waitFor(async () => !(await readdir(journalDir)).includes("2020-01-01.jsonl"));
    expect((await again.health()).backlog).toBe(0);
  });
});

describe("a forwarder used directly", () => {
  it("backlog counts complete lines only (an unfinished last line waits)", async () => {
    const dir = join(dataDir, "journal");
    const journal = new Journal({ dir });
    await journal.write(manyPoints(4));
    await journal.close();
    await appendFile(join(dir, (await readdir(dir))[0]!), '{"measurement":"outcome","ti');
    const forwarder = new Forwarder({ journalDir: dir, dataDir, influx: new InfluxV1Store({ url: influx.url, database }), log: silentLog() });
    expect(await forwarder.backlog()).toBe(4);
    expect(await forwarder.shipOnce()).toBe(4);
    expect(await forwarder.shipOnce()).toBe(0);
    expect(await forwarder.backlog()).toBe(0);
    await forwarder.close();
  });
});

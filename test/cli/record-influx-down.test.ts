import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { Journal, readJournal } from "../../src/store/journal.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { freePort, startInfluxd, type Influxd } from "../helpers/influxd.js";

// Item 5 of issue 10: record-action / record-outcome with InfluxDB down. The journal is the
// outbox: the point is written first (resolution_hours from the journal, never from InfluxDB),
// the exit code says "in the journal, not yet in InfluxDB" (3), and a refused connection gives
// up at once rather than after SHUTDOWN_GRACE_MS (25 s here, as in production).
let influx: Influxd;
let root: string;
let dataDir: string;
let run = 0;

beforeAll(async () => {
  influx = await startInfluxd();
  root = await mkdtemp(join(tmpdir(), "record-influx-down-"));
});
afterAll(async () => {
  await influx?.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => {
  dataDir = join(root, `run${++run}`);
});

/** The bound a fail-fast run must beat: far above what it takes, far below the 25 s grace. */
const FAST_MS = 10_000;

async function cli(args: string[], influxUrl = influx.url) {
  const io = memoryIo({ DATA_DIR: dataDir, INFLUX_HOST: influxUrl, INFLUX_DATABASE: influx.database, SHUTDOWN_GRACE_MS: "25000" });
  const started = Date.now();
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err, ms: Date.now() - started };
}

async function journalPoints(measurement: string): Promise<Point[]> {
  const points: Point[] = [];
  for await (const p of readJournal(join(dataDir, "journal"), { measurements: [measurement] })) points.push(p);
  return points;
}

describe("record-outcome and record-action with InfluxDB down", () => {
  it("record-outcome without --resolution-hours: computed from the journal, recorded, exit 3 at once; the next run ships it (exit 0)", async () => {
    const journal = new Journal({ dir: join(dataDir, "journal") });
    await journal.write([makePoint("pr_observation", new Date("2026-02-05T12:00:00Z"), { repo: "dappcore/core", pr: "291", author: "jules[bot]" }, { pr_age_hours: 3 })]);
    await journal.close();
    await influx.stop();
    try {
      const down = await cli(["record-outcome", "--repo", "dappcore/core", "--pr", "291", "--result", "escalated", "--time", "2026-02-08T09:00:00Z"]);
      expect(down.code).toBe(3);
      expect(down.ms).toBeLessThan(FAST_MS);
      expect(down.out).toBe("recorded outcome dappcore/core#291 2026-02-08T09:00:00.000Z result=escalated resolution_hours=72 source=cli\n");
      expect(down.err).toContain("pr-telemetry: recorded in the journal");
      expect(down.err).toContain("ECONNREFUSED");
      expect((await journalPoints("outcome")).map((p) => p.fields)).toEqual([{ result: "escalated", resolution_hours: 72, source: "cli" }]);
    } finally {
      await influx.start();
    }
    // A later run with the same DATA_DIR ships the backlog with its own point.
    const up = await cli(["record-action", "--repo", "dappcore/core", "--pr", "291", "--action", "wait", "--time", "2026-02-08T10:00:00Z"]);
    expect({ code: up.code, err: up.err }).toEqual({ code: 0, err: "" });
    expect(await influx.rows(`SELECT "result", "resolution_hours" FROM "outcome" WHERE "pr" = '291'`)).toEqual([
      { time: Date.parse("2026-02-08T09:00:00Z"), result: "escalated", resolution_hours: 72 },
    ]);
  });

  it("record-action against a closed port: in the journal, exit 3, well before the grace period", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const res = await cli(["record-action", "--repo", "dappcore/core", "--pr", "315", "--action", "wait", "--time", "2026-02-05T09:00:00Z", "--json"], closed);
    expect(res.code).toBe(3);
    expect(res.ms).toBeLessThan(FAST_MS);
    expect(JSON.parse(res.out)).toEqual({
      recorded: { measurement: "action_taken", time: "2026-02-05T09:00:00.000Z", tags: { repo: "dappcore/core", pr: "315" }, fields: { action: "wait", source: "cli" } },
      replaced: false,
      influxdb: "pending",
    });
    expect(res.err).toMatch(/not in InfluxDB yet \(InfluxDB at http:\/\/127\.0\.0\.1:\d+ did not answer: ECONNREFUSED\)/);
    expect(await journalPoints("action_taken")).toHaveLength(1);
  });

  it("exits 0 when InfluxDB took the point", async () => {
    const res = await cli(["record-outcome", "--repo", "dappcore/core", "--pr", "400", "--result", "success", "--resolution-hours", "1.5", "--time", "2026-02-05T09:00:00Z", "--json"]);
    expect({ code: res.code, err: res.err }).toEqual({ code: 0, err: "" });
    expect(JSON.parse(res.out)).toMatchObject({ replaced: false, influxdb: "written" });
    expect(await influx.rows(`SELECT "resolution_hours" FROM "outcome" WHERE "pr" = '400'`)).toEqual([{ time: Date.parse("2026-02-05T09:00:00Z"), resolution_hours: 1.5 }]);
  });

  it("record-action against an InfluxDB that accepts connections but never answers: exit 3 after the write times out, before the grace period", async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const res = await cli(["record-action", "--repo", "dappcore/core", "--pr", "316", "--action", "wait", "--time", "2026-02-05T09:00:00Z"], url);
      expect(res.code).toBe(3);
      // The write's own 10 s timeout, not the 25 s grace.
      expect(res.ms).toBeLessThan(18_000);
      expect(res.err).toContain("did not answer: timed out");
      expect(await journalPoints("action_taken")).toHaveLength(1);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 40_000);
});

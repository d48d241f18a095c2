import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAttemptCounters } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { openStore, type TelemetryStore } from "../../src/store/open-store.js";
import { makePoint } from "../../src/store/point.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { silent } from "./test-runtime.js";

// Two app instances, each with its own DATA_DIR (journal), writing to one real InfluxDB 1.6:
// the attempt counters of each must count the actions the other recorded.
let influx: Influxd;
let root: string;
const stores: TelemetryStore[] = [];

beforeAll(async () => {
  influx = await startInfluxd();
  root = await mkdtemp(join(tmpdir(), "attempts-influx-"));
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await influx?.close();
  await rm(root, { recursive: true, force: true });
});

async function instance(name: string): Promise<TelemetryStore> {
  const store = await openStore(loadConfig({ DATA_DIR: join(root, name), INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database }), silent);
  stores.push(store);
  return store;
}

const action = (name: string, time: string, source: string) =>
  makePoint("action_taken", new Date(time), { repo: "dappcore/core", pr: "315" }, { action: name, reason: "r", source });

describe("attempt counters shared through a real InfluxDB", () => {
  it("count the actions another instance recorded, also after a restart", async () => {
    const a = await instance("a");
    const b = await instance("b");
    await a.write([action("request_conflict_fix", "2026-02-05T09:00:00Z", "api"), action("request_review_fix", "2026-02-05T10:00:00Z", "api")]);
    expect((await a.drain(10_000)).backlog).toBe(0);
    await b.write([action("resolve_conflict", "2026-02-06T09:00:00Z", "cli")]);
    expect((await b.drain(10_000)).backlog).toBe(0);

    // A third instance starting now (a restart, or a new replica with an empty disk).
    const c = await instance("c");
    const counters = await createAttemptCounters(c, silent, { refreshMs: 0 });
    expect(await counters.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });

    // Instance a's counters see b's later action once they re-read InfluxDB.
    let now = 0;
    const countersA = await createAttemptCounters(a, silent, { refreshMs: 1000, clock: () => now });
    expect(await countersA.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 1 });
    await b.write([action("request_review_fix", "2026-02-07T09:00:00Z", "cli")]);
    expect((await b.drain(10_000)).backlog).toBe(0);
    now += 1000;
    expect(await countersA.get("dappcore/core", 315)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 2 });
  });
});

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { InfluxV1Store } from "../../src/store/influx-v1-store.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { act, jsonLines, obs, out } from "./fixtures.js";

// InfluxDB 1.x keeps a field's type per shard: a field written as a string into another shard
// group (a week later by default) is accepted, and a query that reads only that shard, or a field
// that exists only as a string, gives strings back where the app declared integers.
let influx: Influxd;
let dataDir: string;
const R = "dappcore/core";

beforeAll(async () => {
  influx = await startInfluxd();
  dataDir = await mkdtemp(join(tmpdir(), "influx-conflict-"));
  const store = new InfluxV1Store({ url: influx.url, database: influx.database });
  await store.write([
    obs(R, 1, "2026-02-02T08:00:00.000Z", { checks_total: 3 }),
    act(R, 1, "2026-02-02T09:00:00.000Z", "wait"),
    out(R, 1, "2026-02-02T12:00:00.000Z", "success", 4),
    obs(R, 2, "2026-03-18T08:00:00.000Z", { merge_state: "CLEAN" }),
    act(R, 2, "2026-03-18T09:00:00.000Z", "wait"),
  ]);
  await store.close();
  // Another writer (an old version, a hand-made line) in the shard of the week of 2026-03-18,
  // where no integer checks_total was written.
  const conflicting = [
    `pr_observation,author=jules[bot],pr=2,repo=${R} checks_total="str",state="OPEN" ${Date.UTC(2026, 2, 18, 8, 30)}`,
    `pr_observation,author=jules[bot],pr=2,repo=${R} review_fix_attempts="many",state="OPEN" ${Date.UTC(2026, 2, 18, 8, 45)}`,
  ].join("\n");
  const res = await fetch(`${influx.url}/write?db=${influx.database}&precision=ms`, { method: "POST", body: conflicting });
  expect(res.status, await res.text()).toBe(204);
});
afterAll(async () => {
  await influx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function run(args: string[]) {
  const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database });
  const code = await runCli([...args, "--from", "influx"], io);
  return { code, out: io.out, err: io.err };
}

describe("export and stats --from influx with a field type conflict between shards", () => {
  it("export skips and counts the points whose field has another type, and writes the rest", async () => {
    const got = await run(["export", "--kind", "observations", "--since", "2026-03-15", "--out", join(dataDir, "obs.jsonl")]);
    expect(got.code, got.err).toBe(0);
    const lines = jsonLines(await readFile(join(dataDir, "obs.jsonl"), "utf8"));
    expect(lines.map((l) => l.time)).toEqual(["2026-03-18T08:00:00.000Z"]);
    expect(got.err).toContain("unreadable lines skipped: 2");
    expect(await readFile(join(dataDir, "obs.card.md"), "utf8")).toContain("unreadable lines skipped: 2");
  });

  it("a field that exists only as a string is skipped over the whole range too", async () => {
    const got = await run(["export", "--kind", "examples"]);
    expect(got.code, got.err).toBe(0);
    // Over both shards InfluxDB itself gives checks_total as integers and leaves the string out
    // (null): that point is read without it; review_fix_attempts exists only as a string.
    expect(jsonLines(got.out).map((l) => [l.pr, l.signals_time, (l.signals as { checks_total?: number } | null)?.checks_total])).toEqual([
      [1, "2026-02-02T08:00:00.000Z", 3],
      [2, "2026-03-18T08:30:00.000Z", undefined],
    ]);
    expect(got.err).toContain("unreadable lines skipped: 1");
  });

  it("stats skips and counts them, and says so once", async () => {
    const got = await run(["stats", "--json", "--since", "2026-03-15"]);
    expect(got.code, got.err).toBe(0);
    // stats reads all data up to --until (outcomes after an action), so both shards: see above.
    expect(JSON.parse(got.out).observations.total).toBe(2);
    expect(got.err.trim().split("\n")).toEqual([expect.stringMatching(/^stats: 1 unreadable line\(s\) skipped .* InfluxDB/)]);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { Journal, readJournal } from "../../src/store/journal.js";
import { makePoint, type Point } from "../../src/store/point.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "record-outcome-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function outcomes(): Promise<Point[]> {
  const points: Point[] = [];
  for await (const p of readJournal(join(dataDir, "journal"), { measurements: ["outcome"] })) points.push(p);
  return points;
}

describe("pr-telemetry record-outcome", () => {
  it("writes the outcome with the given resolution hours and prints one line", async () => {
    const io = memoryIo({ DATA_DIR: dataDir });
    const code = await runCli(
      ["record-outcome", "--repo", "dappcore/core", "--pr", "291", "--result", "escalated", "--detail", "conflict unresolvable", "--resolution-hours", "72", "--time", "2026-02-08T09:00:00Z"],
      io,
    );
    expect({ code, err: io.err }).toEqual({ code: 0, err: "" });
    expect(io.out).toBe('recorded outcome dappcore/core#291 2026-02-08T09:00:00.000Z result=escalated resolution_hours=72 source=cli "conflict unresolvable"\n');
    expect(await outcomes()).toEqual([
      {
        measurement: "outcome",
        time: new Date("2026-02-08T09:00:00Z"),
        tags: { repo: "dappcore/core", pr: "291" },
        fields: { result: "escalated", detail: "conflict unresolvable", resolution_hours: 72, source: "cli" },
      },
    ]);
  });

  it("computes resolution hours from the PR's earlier outcome or observations, else leaves them out", async () => {
    const journal = new Journal({ dir: join(dataDir, "journal") });
    await journal.write([
      makePoint("pr_observation", new Date("2026-02-05T12:00:00Z"), { repo: "dappcore/core", pr: "291" }, { pr_age_hours: 2 }),
      // The webhook's outcome is exact: created 2026-02-05T09:30Z.
      makePoint("outcome", new Date("2026-02-06T09:30:00Z"), { repo: "dappcore/core", pr: "291" }, { result: "closed", resolution_hours: 24 }),
    ]);
    await journal.close();
    const io = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli(["record-outcome", "--repo", "dappcore/core", "--pr", "291", "--result", "escalated", "--time", "2026-02-08T09:30:00Z"], io)).toBe(0);
    expect(await runCli(["record-outcome", "--repo", "dappcore/core", "--pr", "292", "--result", "escalated", "--time", "2026-02-08T09:30:00Z"], io)).toBe(0);
    const byPr = Object.fromEntries((await outcomes()).filter((p) => p.fields.result === "escalated").map((p) => [p.tags.pr, p.fields.resolution_hours]));
    expect(byPr).toEqual({ "291": 72, "292": undefined });
  });

  it.each([
    [["--result", "Escalated!"], "--result must be snake_case"],
    [["--result", "escalated", "--resolution-hours", "-1"], "--resolution-hours must be a finite number of hours >= 0"],
    [["--result", "escalated", "--resolution-hours", "many"], "--resolution-hours must be a finite number of hours >= 0"],
    [["--result", "escalated", "--detail", "x".repeat(1025)], "--detail must be at most 1024 bytes"],
    [[], "Missing required argument: result"],
  ])("exits 2 without writing for bad input %j", async (args, message) => {
    const io = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli(["record-outcome", "--repo", "dappcore/core", "--pr", "291", ...args], io)).toBe(2);
    expect(io.err).toContain(message);
    expect(await outcomes()).toEqual([]);
  });

  it.each([
    [["--resolution-hours", "1e308"], "--resolution-hours must be at most 1000000 hours (about 114 years)"],
    [["--time", "9999-12-31T00:00:00Z"], "--time is after 2262-04-11T23:47:16.854Z, the latest time InfluxDB can store"],
    [["--time", "1600-01-01T00:00:00Z"], "--time is before 1677-09-21T00:12:43.146Z, the earliest time InfluxDB can store"],
    [["--time", "2200-01-01T00:00:00Z"], "--time is more than 24 hour(s) in the future"],
    [["--time", "2026-01-01T00:00:00.0001Z"], "--time is finer than a millisecond"],
  ])("exits 2 naming the field for a value that cannot be stored %j", async (args, message) => {
    const io = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli(["record-outcome", "--repo", "dappcore/core", "--pr", "291", "--result", "escalated", ...args], io)).toBe(2);
    expect(io.err).toContain(`pr-telemetry: ${message}`);
    expect(await outcomes()).toEqual([]);
  });

  it("takes the limit for times in the future from MAX_FUTURE_HOURS", async () => {
    const soon = new Date(Date.now() + 2 * 3_600_000).toISOString();
    const strict = memoryIo({ DATA_DIR: dataDir, MAX_FUTURE_HOURS: "1" });
    expect(await runCli(["record-outcome", "--repo", "a/b", "--pr", "1", "--result", "escalated", "--time", soon], strict)).toBe(2);
    expect(strict.err).toContain("--time is more than 1 hour(s) in the future");
    expect(await runCli(["record-outcome", "--repo", "a/b", "--pr", "1", "--result", "escalated", "--time", soon], memoryIo({ DATA_DIR: dataDir }))).toBe(0);
    const invalid = memoryIo({ DATA_DIR: dataDir, MAX_FUTURE_HOURS: "a day" });
    expect(await runCli(["record-outcome", "--repo", "a/b", "--pr", "1", "--result", "escalated"], invalid)).toBe(2);
    expect(invalid.err).toContain('MAX_FUTURE_HOURS must be a whole number >= 0, got "a day"');
  });

  it("says so when it replaced an outcome with the same identity, and when it left resolution_hours out", async () => {
    const args = ["record-outcome", "--repo", "dappcore/core", "--pr", "291", "--result", "escalated", "--time", "2026-02-08T09:00:00Z"];
    const first = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli(args, first)).toBe(0);
    expect(first.err).toBe(
      "pr-telemetry: resolution_hours left out: the journal has no observation or outcome of dappcore/core#291 up to 2026-02-08T09:00:00.000Z, so the PR's creation time is unknown; give --resolution-hours to record it\n",
    );
    const again = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli([...args, "--resolution-hours", "5", "--json"], again)).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ replaced: true, influxdb: "not configured" });
    expect(again.err).toBe(
      "pr-telemetry: replaced: a outcome with the same identity (repo=dappcore/core pr=291, time 2026-02-08T09:00:00.000Z) was already recorded; this write replaces its fields (InfluxDB merges fields, so one this write does not set keeps its earlier value). To record a second event, give it its own --time / time.\n",
    );
    expect(await outcomes()).toHaveLength(2);
  });
});

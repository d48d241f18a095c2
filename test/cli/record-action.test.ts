import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { readJournal } from "../../src/store/journal.js";
import type { Point } from "../../src/store/point.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "record-action-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function journal(): Promise<Point[]> {
  const points: Point[] = [];
  for await (const p of readJournal(join(dataDir, "journal"))) points.push(p);
  return points;
}

describe("pr-telemetry record-action", () => {
  it("writes the action to the configured journal and prints one line", async () => {
    const io = memoryIo({ DATA_DIR: dataDir });
    const code = await runCli(
      ["record-action", "--repo", "dappcore/core", "--pr", "315", "--action", "wait", "--reason", "auto-merge enabled, checks passing", "--time", "2026-02-05T10:00:00+01:00", "--actor", "core-orchestrator[bot]"],
      io,
    );
    expect({ code, err: io.err }).toEqual({ code: 0, err: "" });
    expect(io.out).toBe(
      'recorded action_taken dappcore/core#315 2026-02-05T09:00:00.000Z action=wait source=cli actor=core-orchestrator[bot] "auto-merge enabled, checks passing"\n',
    );
    expect(await journal()).toEqual([
      {
        measurement: "action_taken",
        time: new Date("2026-02-05T09:00:00Z"),
        tags: { repo: "dappcore/core", pr: "315" },
        fields: { action: "wait", reason: "auto-merge enabled, checks passing", source: "cli", actor: "core-orchestrator[bot]" },
      },
    ]);
  });

  it("defaults the time to now", async () => {
    const before = Date.now();
    const code = await runCli(["record-action", "--repo", "dappcore/core", "--pr", "315", "--action", "request_conflict_fix"], memoryIo({ DATA_DIR: dataDir }));
    expect(code).toBe(0);
    const [point] = await journal();
    expect(point!.time.getTime()).toBeGreaterThanOrEqual(before);
    expect(point!.time.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    [["--action", "Wait"], "--action must be snake_case"],
    [["--action", "a".repeat(65)], "--action must be at most 64 characters"],
    [["--action", "wait", "--reason", "é".repeat(513)], "--reason must be at most 1024 bytes"],
    [["--action", "wait", "--time", "2026-02-31"], "--time must be an ISO 8601 time"],
    [["--action", "wait", "--actor", "not a login"], "--actor must be a GitHub login"],
  ])("exits 2 without writing for bad input %j", async (args, message) => {
    const io = memoryIo({ DATA_DIR: dataDir });
    const code = await runCli(["record-action", "--repo", "dappcore/core", "--pr", "315", ...args], io);
    expect(code).toBe(2);
    expect(io.err).toContain(`pr-telemetry: ${message}`);
    expect(io.out).toBe("");
    expect(await journal()).toEqual([]);
  });

  it("exits 2 for a bad repo, PR number or a missing flag", async () => {
    for (const [argv, message] of [
      [["--repo", "core", "--pr", "1", "--action", "wait"], "--repo must be owner/name"],
      [["--repo", "a/b", "--pr", "-3", "--action", "wait"], "--pr must be a pull request number"],
      [["--repo", "a/b", "--action", "wait"], "Missing required argument: pr"],
    ] as const) {
      const io = memoryIo({ DATA_DIR: dataDir });
      expect(await runCli(["record-action", ...argv], io)).toBe(2);
      expect(io.err).toContain(message);
    }
  });

  it("exits 2 for a configuration error", async () => {
    const io = memoryIo({ DATA_DIR: dataDir, FLUSH_INTERVAL_MS: "soon" });
    expect(await runCli(["record-action", "--repo", "a/b", "--pr", "1", "--action", "wait"], io)).toBe(2);
    expect(io.err).toContain("FLUSH_INTERVAL_MS must be a whole number");
  });

  it("exits 1 when the store cannot take the point", async () => {
    const file = join(dataDir, "a-file");
    await writeFile(file, "");
    const io = memoryIo({ DATA_DIR: file });
    expect(await runCli(["record-action", "--repo", "a/b", "--pr", "1", "--action", "wait"], io)).toBe(1);
    expect(io.err).toMatch(/^pr-telemetry: cannot append to the journal in .*a-file\/journal: ENOTDIR.*Check that DATA_DIR is writable/);
    expect(io.out).toBe("");
  });

  it.each([
    ["9999-12-31T00:00:00Z", "--time is after 2262-04-11T23:47:16.854Z, the latest time InfluxDB can store"],
    ["1677-09-21T00:12:43.145Z", "--time is before 1677-09-21T00:12:43.146Z, the earliest time InfluxDB can store"],
    ["2100-01-01T00:00:00Z", "--time is more than 24 hour(s) in the future"],
    ["2026-02-05T09:00:00.000999Z", "--time is finer than a millisecond"],
  ])("exits 2 naming --time for a time that cannot be stored: %s", async (time, message) => {
    const io = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli(["record-action", "--repo", "a/b", "--pr", "1", "--action", "wait", "--time", time], io)).toBe(2);
    expect(io.err).toContain(`pr-telemetry: ${message}`);
    expect(await journal()).toEqual([]);
  });

  it("says on stderr and in --json when it replaced an action with the same identity", async () => {
    const args = ["record-action", "--repo", "a/b", "--pr", "1", "--time", "2026-02-05T09:00:00Z", "--json"];
    const first = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli([...args, "--action", "wait"], first)).toBe(0);
    expect([JSON.parse(first.out).replaced, first.err]).toEqual([false, ""]);
    const again = memoryIo({ DATA_DIR: dataDir });
    expect(await runCli([...args, "--action", "merge"], again)).toBe(0);
    expect(JSON.parse(again.out).replaced).toBe(true);
    expect(again.err).toMatch(/^pr-telemetry: replaced: a action_taken with the same identity \(repo=a\/b pr=1, time 2026-02-05T09:00:00.000Z\) was already recorded/);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordFromCli } from "../../src/actions/record-from-cli.js";
import { memoryIo } from "../../src/cli/cli-io.js";
import { openStore } from "../../src/store/open-store.js";
import { makePoint } from "../../src/store/point.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "record-from-cli-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const point = makePoint("action_taken", new Date("2026-02-05T09:00:00Z"), { repo: "a/b", pr: "1" }, { action: "wait", source: "cli" });

describe("recordFromCli", () => {
  it("exits 1 and says the point stays in the journal when InfluxDB did not take it in time", async () => {
    const io = memoryIo({ DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: "50" });
    let drainedWith: number | undefined;
    await recordFromCli(io, async () => point, async (config, log) => {
      const store = await openStore(config, log);
      // What the InfluxDB forwarder reports when InfluxDB is down: the point is left in the journal.
      store.drain = async (ms: number) => ((drainedWith = ms), { backlog: 1 });
      return store;
    });
    expect(drainedWith).toBe(50);
    expect(io.exitCode).toBe(1);
    expect(io.out).toBe("recorded action_taken a/b#1 2026-02-05T09:00:00.000Z action=wait source=cli\n");
    expect(io.err).toBe(
      `pr-telemetry: recorded in the journal (${join(dataDir, "journal")}), but 1 point(s) did not reach InfluxDB within 50 ms; they stay in the journal and are forwarded by the app or the next run\n`,
    );
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordFromCli } from "../../src/cli/record-from-cli.js";
import { memoryIo } from "../../src/cli/cli-io.js";
import type { InfluxStore } from "../../src/store/influx-store.js";
import { InfluxWriteError } from "../../src/store/influx-write-error.js";
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

/** An InfluxDB that answers, but 503 to every write (overloaded): worth retrying until the grace ends. */
const overloaded: InfluxStore = {
  name: "influx-v1",
  api: "v1",
  target: "http://influx.test database t",
  async write() {},
  async *read() {},
  async writeLines() {
    throw new InfluxWriteError("InfluxDB refused a write (HTTP 503: overloaded)", "unavailable", 503);
  },
  ping: async () => true,
  close: async () => {},
};

describe("recordFromCli", () => {
  it("exits 3 and says the point stays in the journal when InfluxDB did not take it within the grace period", async () => {
    const io = memoryIo({ DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: "300" });
    await recordFromCli(io, () => async () => ({ point, notes: ["a note"] }), {}, (config, log, options) => openStore(config, log, { ...options, influx: overloaded }));
    expect(io.exitCode).toBe(3);
    expect(io.out).toBe("recorded action_taken a/b#1 2026-02-05T09:00:00.000Z action=wait source=cli\n");
    // The forwarder's own warning comes first (once), then the command's lines.
    expect(io.err).toContain(
      "pr-telemetry: a note\n" +
        `pr-telemetry: recorded in the journal (${join(dataDir, "journal")}), but 1 point(s) are not in InfluxDB yet (InfluxDB refused a write (HTTP 503: overloaded)); they stay in the journal and are forwarded by the app or the next run with this DATA_DIR (exit code 3)\n`,
    );
  });

  it("exits 0 with the journal alone", async () => {
    const io = memoryIo({ DATA_DIR: dataDir });
    await recordFromCli(io, () => async () => ({ point, notes: [] }), { json: true });
    expect(io.exitCode).toBeUndefined();
    expect(JSON.parse(io.out)).toEqual({
      recorded: { measurement: "action_taken", time: "2026-02-05T09:00:00.000Z", tags: { repo: "a/b", pr: "1" }, fields: { action: "wait", source: "cli" } },
      replaced: false,
      influxdb: "not configured",
    });
  });
});

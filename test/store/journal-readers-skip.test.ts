import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAttemptCounters } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { recentJournalOutcomes } from "../../src/outcomes/recent-outcomes.js";
import { DeliveryLog } from "../../src/pipeline/delivery-log.js";
import { serializePoint } from "../../src/store/journal-line.js";
import type { SkippedLine } from "../../src/store/journal.js";
import { openStore } from "../../src/store/open-store.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { recordingLog } from "../helpers/silent-log.js";

// The app's own readers of the journal skip a line they cannot read, and say so once.
let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "readers-skip-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const now = new Date();
const day = now.toISOString().slice(0, 10);
const action = (pr: number, minute: number): Point =>
  makePoint("action_taken", new Date(now.getTime() - 3_600_000 + minute * 60_000), { repo: "dappcore/core", pr: String(pr) }, { action: "request_conflict_fix", source: "cli" });
const outcome = (pr: number): Point => makePoint("outcome", new Date(now.getTime() - 60_000), { repo: "dappcore/core", pr: String(pr) }, { result: "success" });
/** An action line damaged inside its fields, and a torn outcome line joined to a whole one. */
const damaged = (): string =>
  [
    serializePoint(action(1, 1)).replace('"source":"cli"', '"source":cli'),
    serializePoint(outcome(2)).slice(0, 70) + serializePoint(outcome(3)),
  ].join("\n") + "\n";

const warnings = (entries: Array<Record<string, unknown>>) => entries.filter((e) => e.level === 40).map((e) => String(e.msg));

describe("the app's journal readers", () => {
  it("store.read (journal), attempt counters and recent outcomes skip damaged lines and log them once", async () => {
    const { log, entries } = recordingLog();
    const store = await openStore(loadConfig({ DATA_DIR: dataDir }), log);
    await store.write([action(1, 0), outcome(1)]);
    await appendFile(join(dataDir, "journal", `${day}.jsonl`), damaged());
    await store.write([action(1, 2)]);

    const read: Point[] = [];
    for await (const p of store.read()) read.push(p);
    expect(read.map((p) => p.measurement)).toEqual(["action_taken", "outcome", "action_taken"]);
    for await (const p of store.read()) void p; // read again: nothing new to say
    expect(warnings(entries)).toEqual([expect.stringMatching(/^2 unreadable journal line\(s\) skipped/)]);

    entries.length = 0;
    const counters = await createAttemptCounters(store, log);
    expect((await counters.get("dappcore/core", 1)).conflictAttempts).toBe(2);
    await counters.get("dappcore/core", 1);
    expect(warnings(entries)).toEqual([expect.stringMatching(/^1 unreadable action_taken journal line\(s\) skipped/)]);

    const skipped: SkippedLine[] = [];
    const outcomes = await recentJournalOutcomes(join(dataDir, "journal"), 2, now, (s) => skipped.push(s));
    expect(outcomes.map((p) => p.tags.pr)).toEqual(["1"]);
    expect(skipped).toHaveLength(1);
    await store.close();
  });

  it("the delivery log skips a damaged record at start and says so once", async () => {
    const dir = join(dataDir, "deliveries");
    const first = new DeliveryLog(dir, { log: recordingLog().log, flushIntervalMs: 0 });
    await first.load();
    await first.accept({ id: "a", trigger: "pull_request.opened", installationId: 1, owner: "o", repo: "r", prs: [1] });
    await first.close();
    await appendFile(join(dir, `${day}.jsonl`), '{"measurement":"delivery_accepted","time":"x","tags":{"id":"b"},"fields":{}}\n{"measurement":"delivery_acc\n');
    const { log, entries } = recordingLog();
    const second = new DeliveryLog(dir, { log, flushIntervalMs: 0 });
    expect((await second.load()).map((r) => r.id)).toEqual(["a"]);
    expect(warnings(entries)).toEqual([expect.stringMatching(/^2 unreadable delivery log line\(s\) skipped/)]);
    await second.close();
  });
});

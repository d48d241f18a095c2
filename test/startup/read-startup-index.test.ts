import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AttemptCounters } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { readStartupIndex } from "../../src/startup/read-startup-index.js";
import { Journal } from "../../src/store/journal.js";
import { JournalTail } from "../../src/store/journal-tail.js";
import { openStore, type TelemetryStore } from "../../src/store/open-store.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { indexStore } from "../../src/sweep/store-index.js";
import { SweepMemory } from "../../src/sweep/sweep-memory.js";
import { recordingLog, silentLog } from "../helpers/silent-log.js";

let dataDir: string;
let store: TelemetryStore;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "startup-index-"));
  store = await openStore(loadConfig({ DATA_DIR: dataDir }), silentLog());
});
afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

const now = new Date("2026-02-20T12:00:00.000Z");
const DAY = 86_400_000;
const daysAgo = (d: number, ms = 0) => new Date(now.getTime() - d * DAY + ms);

/** Writes points into the day file of `writtenAt`, as the app would have that day. */
async function writeOn(writtenAt: Date, points: Point[]): Promise<void> {
  const journal = new Journal({ dir: join(dataDir, "journal"), flushIntervalMs: 0, clock: () => writtenAt });
  await journal.write(points);
  await journal.close();
}

function observation(repo: string, pr: number, time: Date, fields: Record<string, string | boolean>): Point {
  return makePoint("pr_observation", time, { repo, pr: String(pr), author: "a" }, { merge_state: "CLEAN", ...fields });
}
const action = (pr: number, name: string, time: Date, source = "cli") => makePoint("action_taken", time, { repo: "o/r", pr: String(pr) }, { action: name, source });
const outcome = (pr: number, time: Date) => makePoint("outcome", time, { repo: "o/r", pr: String(pr) }, { result: "success", source: "webhook" });

describe("readStartupIndex", () => {
  it("one pass gives the counters every action, the redelivery checks the recent outcomes and actions, and the sweep the index it would have read", async () => {
    // 20 days ago: actions only matter to the counters; an observation there is outside the sweep's 7 days.
    await writeOn(daysAgo(20), [action(1, "request_conflict_fix", daysAgo(20)), observation("o/r", 1, daysAgo(20), { state: "OPEN", trigger: "sweep" }), outcome(9, daysAgo(20))]);
    // 5 days ago: in the sweep's window, not in the 3 days of redelivery checks.
    await writeOn(daysAgo(5), [
      action(1, "resolve_conflict", daysAgo(5), "inferred"),
      observation("o/r", 1, daysAgo(5), { state: "OPEN", head_sha: "a1", trigger: "sweep" }),
      observation("O/R", 2, daysAgo(5), { state: "OPEN", head_sha: "b1", is_draft: true, trigger: "pull_request.opened" }),
      outcome(3, daysAgo(5)),
    ]);
    // Yesterday: newer state of PR 1 (a hostile trigger value, escaped), PR 2's newest observation written before an older one.
    await writeOn(daysAgo(1), [
      observation("o/r", 1, daysAgo(1), { state: "OPEN", head_sha: "a2", base_ref: "main", trigger: 'say "sweep"\\' }),
      observation("O/R", 2, daysAgo(1, 5), { state: "CLOSED", head_sha: "b3", is_draft: false, trigger: "sweep" }),
      observation("O/R", 2, daysAgo(1), { state: "OPEN", head_sha: "b2", trigger: "pull_request.synchronize" }),
      action(2, "request_review_fix", daysAgo(1)),
      outcome(2, daysAgo(1, 10)),
    ]);
    // Garbage is no line of a measurement wanted (passed over); a torn action line is skipped and counted.
    await appendFile(join(dataDir, "journal", `${daysAgo(1).toISOString().slice(0, 10)}.jsonl`), 'not a point\n{"measurement":"action_taken","time":"2026-02\n');

    const { log, entries } = recordingLog();
    const tail = new JournalTail(store.journal.dir);
    const counters = new AttemptCounters(store, log, { tail });
    const sweep = new SweepMemory();
    const { recent } = await readStartupIndex({ store, tail, counters, sweep, recentDays: 3, maxFutureHours: 24, log, now });

    expect(await counters.get("o/r", 1)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 0 });
    expect(await counters.get("o/r", 2)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 1 });
    expect(recent.map((p) => `${p.measurement}#${p.tags.pr}`)).toEqual(["action_taken#2", "outcome#2"]);
    // The index the sweep would have read from the store at its first sweep.
    const expected = await indexStore(store.read({ since: daysAgo(7), measurements: ["pr_observation", "outcome"] }));
    expect(sweep.index).toEqual(expected);
    expect(sweep.index.get("o/r")!.prs.get(1)).toMatchObject({ headSha: "a2", baseRef: "main" });
    expect(sweep.index.get("o/r")!.lastSweptAt).toEqual(daysAgo(1, 5));
    expect(entries.filter((e) => e.level === 40).map((e) => e.msg)).toEqual([expect.stringMatching(/^1 unreadable journal line\(s\) skipped/)]);

    // The counters' next read continues after the pass: an action appended since counts once.
    await store.write([action(1, "request_conflict_fix", now)]);
    const later = new AttemptCounters(store, silentLog(), { tail, refreshMs: 0 });
    expect(await later.get("o/r", 1)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
    expect(await counters.get("o/r", 1)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 0 });
  });

  it("while the pass runs (the app already answers), the counters wait for it, however long, and the sweep's first refresh too", async () => {
    await writeOn(daysAgo(1), [action(1, "request_conflict_fix", daysAgo(1)), observation("o/r", 1, daysAgo(1), { state: "OPEN", head_sha: "a1" })]);
    const tail = new JournalTail(store.journal.dir);
    const counters = new AttemptCounters(store, silentLog(), { tail, maxWaitMs: 10 });
    const sweep = new SweepMemory();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const pass = gate.then(() => readStartupIndex({ store, tail, counters, sweep, recentDays: 3, maxFutureHours: 24, log: silentLog(), now }));
    counters.waitFor(pass);
    sweep.waitFor(pass);
    let answered: unknown;
    const got = counters.get("o/r", 1).then((a) => (answered = a));
    const refreshed = sweep.refresh({ read: () => (async function* () {})() }, now);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBeUndefined();
    release();
    await got;
    expect(answered).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
    expect((await refreshed).get("o/r")!.prs.get(1)).toMatchObject({ headSha: "a1" });
  });

  it("keeps only the last 10,000 recent outcomes (all the redelivery check remembers), not every one of the days", async () => {
    await writeOn(daysAgo(1), Array.from({ length: 20_005 }, (_, i) => outcome(i + 1, daysAgo(1, i))));
    const tail = new JournalTail(store.journal.dir);
    const counters = new AttemptCounters(store, silentLog(), { tail });
    const { recent } = await readStartupIndex({ store, tail, counters, recentDays: 3, maxFutureHours: 24, log: silentLog(), now });
    expect(recent).toHaveLength(10_000);
    expect([recent[0]!.tags.pr, recent.at(-1)!.tags.pr]).toEqual(["10006", "20005"]);
  });
});

describe("readStartupIndex: the counters' memory does not grow with closed PRs", () => {
  it("folds each closed PR's attempts into counts, whatever the order of its lines, and counts on after a reopen", async () => {
    const prs = 300;
    for (let d = 12; d >= 2; d--) {
      const points: Point[] = [];
      for (let pr = 1; pr <= prs; pr++) {
        if (pr % 11 !== d % 11) continue; // each PR's life is on one day
        const t = (h: number) => daysAgo(d, h * 3_600_000);
        points.push(action(pr, "request_review_fix", t(1)), action(pr, "wait", t(1.5)), action(pr, "request_conflict_fix", t(2), "inferred"));
        // Even PRs: the outcome line comes before the actions of its past (as a backfill or a late record-action writes).
        const out = outcome(pr, t(6));
        if (pr % 2 === 0) points.splice(points.length - 3, 0, out);
        else points.push(out);
        points.push(action(pr, "request_review_fix", t(1.1))); // a second attempt, written after the outcome
      }
      await writeOn(daysAgo(d), points);
    }
    const counters = new AttemptCounters(store, silentLog(), { tail: new JournalTail(join(dataDir, "journal")) });
    await readStartupIndex({ store, tail: new JournalTail(join(dataDir, "journal")), counters, recentDays: 3, maxFutureHours: 24, log: silentLog(), now });
    // Every PR is closed: nothing is held per action.
    expect(counters.held()).toEqual({ records: 0, settledPrs: prs });
    for (const pr of [1, 2, 150, 300]) expect(await counters.get("o/r", pr)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 2 });
    // The same actions read again (InfluxDB's re-reads, another tail) are not counted twice.
    const d = 12 - ((12 - 1) % 11); // the day PR 1 lived on
    counters.record([action(1, "request_review_fix", daysAgo(d, 3_600_000))]);
    expect(await counters.get("o/r", 1)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 2 });
    // Reopened: a new attempt counts on top of the folded ones.
    counters.record([action(1, "request_conflict_fix", now)]);
    expect(await counters.get("o/r", 1)).toEqual({ conflictAttempts: 2, reviewFixAttempts: 2 });
  });

  it("keeps the records of a PR whose last attempt is within SAME_ATTEMPT_WINDOW_MS of its outcome, and of open PRs", async () => {
    await writeOn(daysAgo(4), [
      action(1, "request_conflict_fix", daysAgo(4)),
      outcome(1, daysAgo(4, 60_000)), // a minute later: its twin from another source may still come
      action(2, "request_conflict_fix", daysAgo(4)),
    ]);
    const counters = new AttemptCounters(store, silentLog(), { tail: new JournalTail(join(dataDir, "journal")) });
    await readStartupIndex({ store, tail: new JournalTail(join(dataDir, "journal")), counters, recentDays: 3, maxFutureHours: 24, log: silentLog(), now });
    expect(counters.held()).toEqual({ records: 2, settledPrs: 0 });
    counters.record([action(1, "request_conflict_fix", daysAgo(4, 2 * 60_000), "inferred")]); // the twin: one attempt
    expect(await counters.get("o/r", 1)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
  });
});

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { AttemptCounters } from "../src/actions/attempt-counters.js";
import { loadConfig } from "../src/config.js";
import { openStore } from "../src/store/open-store.js";
import { JournalTail } from "../src/store/journal-tail.js";
import { readStartupIndex } from "../src/startup/read-startup-index.js";
import { SweepMemory } from "../src/sweep/sweep-memory.js";
import { writeJournal } from "./scenarios/startup.js";

// `node --expose-gc --import tsx bench/startup-pass.ts <points> [DATA_DIR] [days]`: the app's start-up pass alone
// (readStartupIndex) over a generated journal: its time, peak RSS and the heap it keeps.
const total = Number(process.argv[2] ?? 1_000_000);
const given = process.argv[3];
const dataDir = given ?? (await mkdtemp(join(tmpdir(), "startup-pass-")));
const now = Date.now();
// A given DATA_DIR without a journal gets one generated, and kept (to compare builds on one journal).
if (!existsSync(join(dataDir, "journal"))) await writeJournal(join(dataDir, "journal"), total, now, Number(process.argv[4] ?? 7));
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const log = pino({ level: "warn" });
const config = loadConfig({ DATA_DIR: dataDir, NODE_ENV: "test" } as NodeJS.ProcessEnv);
const store = await openStore(config, log as never);
const tail = new JournalTail(store.journal.dir);
const counters = new AttemptCounters(store, log as never, { tail });
const sweep = new SweepMemory();
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
if (process.env["NO_COUNTERS"]) counters.record = () => {};
const started = performance.now();
const index = await readStartupIndex({ store, tail, counters, sweep, recentDays: 3, maxFutureHours: 24, log: log as never, now: new Date(now) });
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
gc?.();
const kept = process.memoryUsage().heapUsed - heapBefore;
let prs = 0;
for (const repo of sweep.index.values()) prs += repo.prs.size;
console.log(JSON.stringify({ points: total, seconds: Number(seconds.toFixed(2)), peakRssMB: Math.round(peak / 2 ** 20), keptHeapMB: Math.round(kept / 2 ** 20), sweepPrs: prs, recent: index.recent.length }));
await store.close?.();
if (!given) await rm(dataDir, { recursive: true, force: true });

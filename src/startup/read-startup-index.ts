import type { Logger } from "probot";
import type { AttemptCounters } from "../actions/attempt-counters.js";
import { RECENT_POINTS_CAPACITY } from "../actions/recent-points.js";
import type { SkippedLine } from "../store/journal.js";
import { skippedMessage } from "../store/journal-damage.js";
import type { JournalTail } from "../store/journal-tail.js";
import type { TelemetryStore } from "../store/open-store.js";
import type { Point } from "../store/point.js";
import { StoreIndexBuilder } from "../sweep/store-index.js";
import type { SweepMemory } from "../sweep/sweep-memory.js";

const DAY_MS = 86_400_000;
const ACTIONS: ReadonlySet<string> = new Set(["action_taken", "outcome"]);
const RECENT: ReadonlySet<string> = new Set(["action_taken", "outcome"]);
const SWEPT: ReadonlySet<string> = new Set(["action_taken", "outcome", "pr_observation"]);

export interface StartupIndexOptions {
  store: TelemetryStore;
  /** The journal tail the attempt counters read through (their next read continues after this pass). */
  tail: JournalTail;
  counters: AttemptCounters;
  /** Filled with the journal's points of the sweep's lookback when the journal is the store read (not InfluxDB). */
  sweep?: SweepMemory | undefined;
  /** Days of journal files whose outcomes and actions are kept for redelivery dedup (REDELIVERY_DAYS). */
  recentDays: number;
  /** How far before its time a point can be written (MAX_FUTURE_HOURS): widens the sweep's files. */
  maxFutureHours: number;
  log: Logger;
  now?: Date;
}

/** What the start-up pass gives the handlers (the counters and the sweep memory are filled in place). */
export interface StartupIndex {
  /**
   * The outcome and action_taken points of the journal files of the last `recentDays` days, in
   * file order: the last RECENT_POINTS_CAPACITY of each measurement, all that the handlers'
   * RecentPoints (one per measurement, that capacity) keep of them.
   */
  recent: Point[];
}

/**
 * Reads the journal once at start and builds what the app needs from it:
 * - the attempt counters: every `action_taken` point of the whole journal, kept as one small
 *   record per counted action by PR (src/actions/attempt-counters.ts), never the points, and
 *   folded into two counts per PR once the PR's outcome is read; older files give only their
 *   action and outcome lines (observations are passed over undecoded);
 * - the recent outcomes and actions a redelivered webhook must not write again (`recentDays`);
 * - the sweep's index of the last `sweep.lookbackDays` days (newest state per PR), when the
 *   journal is the store the sweep reads; with InfluxDB the sweep reads InfluxDB as before (it
 *   holds every instance's points).
 * Each file is read once, from the start. With InfluxDB configured the counters then read their
 * actions from InfluxDB as before (shared across instances). The delivery log (DATA_DIR/deliveries)
 * is a journal of its own, pruned to two days and read by DeliveryLog.load before this.
 */
export async function readStartupIndex(options: StartupIndexOptions): Promise<StartupIndex> {
  const now = options.now ?? new Date();
  const recentFrom = dayOf(now.getTime() - options.recentDays * DAY_MS);
  const journalIsRead = options.store.primary === options.store.journal;
  const sweep = journalIsRead ? options.sweep : undefined;
  const sweepSince = sweep ? now.getTime() - sweep.lookbackDays * DAY_MS : Infinity;
  // A point is written at most maxFutureHours before its time, so no file before this day holds one of the window.
  const sweepFrom = sweep ? dayOf(sweepSince - options.maxFutureHours * 3_600_000) : "\uffff";
  const builder = new StoreIndexBuilder();
  const recent = { outcome: [] as Point[], action_taken: [] as Point[] };
  // Bounded as it goes: a journal's days of outcomes and actions can be hundreds of thousands.
  const keep = (list: Point[], point: Point) => {
    list.push(point);
    if (list.length >= 2 * RECENT_POINTS_CAPACITY) list.splice(0, list.length - RECENT_POINTS_CAPACITY);
  };
  const skipped: SkippedLine[] = [];

  // Closed PRs' attempts are folded into counts (AttemptCounters.settle) after each day file, so
  // the counters hold one small entry per closed PR with attempts, not one record per action:
  // an outcome's actions may come after it in its file (a backfill, a late record-action).
  // Only when the journal is the store read: with InfluxDB, records of other instances come
  // from there and are all kept, as before.
  const outcomes = new Map<string, { repo: string; pr: string; ms: number }>();
  let fileDay: string | undefined;
  const settle = () => {
    for (const o of outcomes.values()) options.counters.settle(o.repo, o.pr, o.ms);
    outcomes.clear();
  };
  await options.tail.read({
    measurements: (day) => (day >= sweepFrom ? SWEPT : day >= recentFrom ? RECENT : ACTIONS),
    onPoint: (point, day) => {
      if (day !== fileDay) {
        settle();
        fileDay = day;
      }
      if (point.measurement === "action_taken") options.counters.record([point]);
      else if (point.measurement === "outcome" && journalIsRead && point.tags.repo && point.tags.pr) {
        const key = `${point.tags.repo}#${point.tags.pr}`;
        const ms = point.time.getTime();
        if ((outcomes.get(key)?.ms ?? Number.NEGATIVE_INFINITY) < ms) outcomes.set(key, { repo: point.tags.repo, pr: point.tags.pr, ms });
      }
      if (day >= recentFrom && (point.measurement === "outcome" || point.measurement === "action_taken")) keep(recent[point.measurement], point);
      if (day >= sweepFrom && point.measurement !== "action_taken" && point.time.getTime() >= sweepSince) builder.add(point);
    },
    onSkip: (line) => skipped.push(line),
    // The sweep needs every observation's trigger, and the rest of the fields of each PR's newest only.
    observationHeads: { probe: "trigger" },
  });
  settle();
  options.counters.journalReadNow();
  if (skipped.length) {
    const { file, offset } = skipped[0]!;
    options.log.warn({ first: { file, offset } }, skippedMessage(skipped.length, "journal") + "; attempt counters, redelivery checks and the sweep leave them out");
  }
  await options.counters.rebuild({ journal: false });
  try {
    if (sweep) sweep.seed(builder.finish(), now);
  } finally {
    options.tail.releaseFiles();
  }
  const last = (list: Point[]) => list.slice(-RECENT_POINTS_CAPACITY);
  return { recent: [...last(recent.action_taken), ...last(recent.outcome)] };
}

/** The UTC day (YYYY-MM-DD) of an epoch-ms time. */
function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

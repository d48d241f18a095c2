import { JournalLinePoint } from "../store/read-journal-batches.js";
import { UnreadableLines } from "./unreadable-lines.js";
import type { Point } from "../store/point.js";
import { buildExamples, examplesProjection } from "./build-examples.js";
import { sortedPoints, type SortedRecord } from "./sorted-points.js";

/** Observations of one PR in the window. */
export interface PrObservations {
  repo: string;
  pr: number;
  count: number;
  first: string;
  last: string;
}

/** What came of the PRs on which one action type was taken. */
export interface ActionStats {
  action: string;
  /** Times the action was recorded. */
  taken: number;
  /** PRs on which it was taken. */
  prs: number;
  /** Of those, PRs with a known outcome after the (first such) action. */
  resolved: number;
  success: number;
  /** success / resolved; null when none is resolved. Open PRs are not counted as failures. */
  successRate: number | null;
  /** PRs still without an outcome (censored). */
  open: number;
  /** Mean and median `resolution_hours` of the resolved PRs that carry it. */
  resolutionHours: { mean: number; median: number; n: number } | null;
}

export interface Stats {
  since: string | null;
  until: string | null;
  observations: { total: number; prs: number; perPr: PrObservations[] };
  actions: ActionStats[];
  /** PRs by the result of their latest outcome (within the window). */
  outcomes: Array<{ result: string; prs: number }>;
  duplicates: number;
}

/**
 * The points whose fields can be read. Observations are counted one by one here, so each one's
 * fields are parsed now (the export parses only those it uses; see UnreadableLines).
 */
async function* readable(source: AsyncIterable<Point[]>, unreadable: UnreadableLines): AsyncGenerator<Point[]> {
  for await (const batch of source) {
    yield batch.filter((point) => {
      if (!(point instanceof JournalLinePoint)) return true;
      try {
        void point.fields;
        return true;
      } catch {
        unreadable.skipped({ file: point.file, offset: point.offset, reason: "unreadable fields" });
        return false;
      }
    });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The original design's analyses, done right, in one streamed pass over the sorted points:
 * observations per PR (count, first and last seen); for each action type the share of the PRs
 * on which it was taken that ended in `success` (the PR's latest outcome at or after the first
 * time the action was taken on it, exactly the examples' label; the original Flux grouped
 * outcomes by an `action` column outcomes do not have); mean and median `resolution_hours` of
 * those PRs; and PRs by the result of their latest outcome. `since` bounds observations,
 * actions and outcomes counted; outcomes after an action are looked up in all the data read.
 */
export async function computeStats(
  /** Batches of points: readJournalBatches, or inBatches(store.read(range)). */
  source: AsyncIterable<Point[]>,
  options: { since?: Date | undefined; until?: Date | undefined; tmpDir?: string | undefined; unreadable?: UnreadableLines | undefined } = {},
): Promise<Stats> {
  const unreadable = options.unreadable ?? new UnreadableLines();
  const sinceMs = options.since?.getTime() ?? -Infinity;
  const counts = { read: 0, kept: 0, withoutPr: 0, duplicates: 0 };
  const perPr: PrObservations[] = [];
  const outcomeCounts = new Map<string, number>();
  let total = 0;

  // Counts observations and latest outcomes per PR while passing the records on to buildExamples.
  async function* tally(batches: AsyncIterable<SortedRecord[]>): AsyncGenerator<SortedRecord[]> {
    let group: string | undefined;
    let current: PrObservations | undefined;
    let latest: { timeMs: number; payload: string } | undefined;
    const close = () => {
      if (current) perPr.push(current);
      const point = latest && latest.timeMs >= sinceMs ? unreadable.point(latest.payload) : undefined;
      if (point) {
        const result = String(point.fields.result ?? "(none)");
        outcomeCounts.set(result, (outcomeCounts.get(result) ?? 0) + 1);
      }
    };
    for await (const batch of batches) {
      for (const r of batch) {
        if (r.group !== group) {
          close();
          group = r.group;
          current = undefined;
          latest = undefined;
        }
        if (r.measurement === "pr_observation" && r.timeMs >= sinceMs) {
          const time = new Date(r.timeMs).toISOString();
          if (!current) current = { repo: r.repo, pr: r.pr, count: 0, first: time, last: time };
          current.count++;
          current.last = time;
          total++;
        } else if (r.measurement === "outcome") {
          latest = { timeMs: r.timeMs, payload: r.payload };
        }
      }
      yield batch;
    }
    close();
  }

  interface PerAction {
    taken: number;
    prs: number;
    resolved: number;
    success: number;
    hours: number[];
  }
  const byAction = new Map<string, PerAction>();
  let prKey: string | undefined;
  let seen = new Set<string>();
  const records = sortedPoints(readable(source, unreadable), { project: examplesProjection(options.since), tmpDir: options.tmpDir, unreadable }, counts);
  for await (const example of buildExamples(tally(records), undefined, unreadable)) {
    const action = example.action ?? "(none)";
    let stats = byAction.get(action);
    if (!stats) byAction.set(action, (stats = { taken: 0, prs: 0, resolved: 0, success: 0, hours: [] }));
    stats.taken++;
    const key = `${example.repo}#${example.pr}`;
    if (key !== prKey) {
      prKey = key;
      seen = new Set();
    }
    if (seen.has(action)) continue;
    // The PR's first example of this action carries the PR's outcome for it.
    seen.add(action);
    stats.prs++;
    if (example.outcome) {
      stats.resolved++;
      if (example.outcome.result === "success") stats.success++;
      if (example.outcome.resolution_hours !== null) stats.hours.push(example.outcome.resolution_hours);
    }
  }

  const actions = [...byAction.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([action, s]): ActionStats => ({
      action,
      taken: s.taken,
      prs: s.prs,
      resolved: s.resolved,
      success: s.success,
      successRate: s.resolved ? s.success / s.resolved : null,
      open: s.prs - s.resolved,
      resolutionHours: s.hours.length
        ? { mean: s.hours.reduce((a, b) => a + b, 0) / s.hours.length, median: median(s.hours), n: s.hours.length }
        : null,
    }));
  return {
    since: options.since?.toISOString() ?? null,
    until: options.until?.toISOString() ?? null,
    observations: { total, prs: perPr.length, perPr },
    actions,
    outcomes: [...outcomeCounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([result, prs]) => ({ result, prs })),
    duplicates: counts.duplicates,
  };
}

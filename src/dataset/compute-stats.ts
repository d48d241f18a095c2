import { JournalLinePoint } from "../store/read-journal-batches.js";
import { UnreadableLines } from "./unreadable-lines.js";
import type { Point } from "../store/point.js";
import type { AuthorKind } from "./agent-attribution.js";
import { buildLearningExamples, learningProjection, type LearningExample } from "./build-learning-examples.js";
import { sortedPoints, type SortedRecord } from "./sorted-points.js";
import { wilsonInterval } from "./wilson-interval.js";

/** Observations of one PR in the window. */
export interface PrObservations {
  repo: string;
  pr: number;
  count: number;
  first: string;
  last: string;
}

/** The figures of one group of actions (an action type, an agent, a repository). */
export interface OutcomeFigures {
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
  /** Wilson 95% interval of successRate (success out of resolved); null when none is resolved. */
  wilson95: { low: number; high: number } | null;
  /** Hours from the (first such) action to the outcome, over the resolved PRs. */
  hoursToOutcome: { median: number; p90: number; n: number } | null;
  /**
   * Share of the actions (every one, not per PR) followed within 24 h by an improvement (the
   * schema-2 label `labels.h24.improved`), among those whose 24 h are not censored; null if none.
   */
  improvedWithin24h: number | null;
}

/** What came of the PRs on which one action type was taken. */
export interface ActionStats extends OutcomeFigures {
  action: string;
}

/**
 * The same figures per agent (key: the agent's name, an unknown bot's login, `(human)` for
 * people, `(unknown)` when the PR was never observed) or per repository (key: owner/name). A PR
 * counts once per group, with the outcome after its first action in the window.
 */
export interface GroupStats extends OutcomeFigures {
  key: string;
  /** For agents: the kind of author the key stands for (null for `(unknown)`). */
  author_kind?: AuthorKind | null;
}

export interface Stats {
  since: string | null;
  until: string | null;
  observations: { total: number; prs: number; perPr: PrObservations[] };
  actions: ActionStats[];
  agents: GroupStats[];
  repos: GroupStats[];
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

/** The q-quantile by linear interpolation between order statistics (numpy's default, R's type 7). */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Counts of one group as examples come. */
class Tally {
  taken = 0;
  prs = 0;
  resolved = 0;
  success = 0;
  hours: number[] = [];
  toOutcome: number[] = [];
  improvedKnown = 0;
  improved = 0;
  #prKey: string | undefined;

  add(example: LearningExample, prKey: string): void {
    this.taken++;
    const h24 = example.labels.h24;
    if (!h24.censored) {
      this.improvedKnown++;
      if (h24.improved) this.improved++;
    }
    // The PR's first example in this group carries the PR's outcome for it (a PR's examples are adjacent).
    if (prKey === this.#prKey) return;
    this.#prKey = prKey;
    this.prs++;
    if (example.outcome) {
      this.resolved++;
      if (example.outcome.result === "success") this.success++;
      if (example.outcome.resolution_hours !== null) this.hours.push(example.outcome.resolution_hours);
      if (example.hours_to_outcome !== null) this.toOutcome.push(example.hours_to_outcome);
    }
  }

  figures(): OutcomeFigures {
    return {
      taken: this.taken,
      prs: this.prs,
      resolved: this.resolved,
      success: this.success,
      successRate: this.resolved ? this.success / this.resolved : null,
      open: this.prs - this.resolved,
      resolutionHours: this.hours.length
        ? { mean: this.hours.reduce((a, b) => a + b, 0) / this.hours.length, median: median(this.hours), n: this.hours.length }
        : null,
      wilson95: wilsonInterval(this.success, this.resolved),
      hoursToOutcome: this.toOutcome.length
        ? { median: quantile(this.toOutcome, 0.5), p90: quantile(this.toOutcome, 0.9), n: this.toOutcome.length }
        : null,
      improvedWithin24h: this.improvedKnown ? this.improved / this.improvedKnown : null,
    };
  }
}

const byKey = <T>([a]: [string, T], [b]: [string, T]) => (a < b ? -1 : a > b ? 1 : 0);

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
  options: {
    since?: Date | undefined;
    until?: Date | undefined;
    tmpDir?: string | undefined;
    unreadable?: UnreadableLines | undefined;
    /** Agent logins beyond the default map (see attributeAuthor). */
    agents?: Record<string, string> | undefined;
  } = {},
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

  const byAction = new Map<string, Tally>();
  const byAgent = new Map<string, { kind: AuthorKind | null; tally: Tally }>();
  const byRepo = new Map<string, Tally>();
  const records = sortedPoints(readable(source, unreadable), { project: learningProjection(options.since), tmpDir: options.tmpDir, unreadable }, counts);
  for await (const example of buildLearningExamples(tally(records), undefined, unreadable, { agents: options.agents })) {
    const prKey = `${example.repo}#${example.pr}`;
    const action = example.action ?? "(none)";
    let perAction = byAction.get(action);
    if (!perAction) byAction.set(action, (perAction = new Tally()));
    perAction.add(example, prKey);
    const agentKey = example.agent ?? (example.author_kind === "human" ? "(human)" : "(unknown)");
    let perAgent = byAgent.get(agentKey);
    if (!perAgent) byAgent.set(agentKey, (perAgent = { kind: example.author_kind, tally: new Tally() }));
    perAgent.tally.add(example, prKey);
    let perRepo = byRepo.get(example.repo);
    if (!perRepo) byRepo.set(example.repo, (perRepo = new Tally()));
    perRepo.add(example, prKey);
  }

  const actions = [...byAction.entries()].sort(byKey).map(([action, t]): ActionStats => ({ action, ...t.figures() }));
  const agents = [...byAgent.entries()].sort(byKey).map(([key, a]): GroupStats => ({ key, author_kind: a.kind, ...a.tally.figures() }));
  const repos = [...byRepo.entries()].sort(byKey).map(([key, t]): GroupStats => ({ key, ...t.figures() }));
  return {
    since: options.since?.toISOString() ?? null,
    until: options.until?.toISOString() ?? null,
    observations: { total, prs: perPr.length, perPr },
    actions,
    agents,
    repos,
    outcomes: [...outcomeCounts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([result, prs]) => ({ result, prs })),
    duplicates: counts.duplicates,
  };
}

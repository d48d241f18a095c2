import type { FieldValue, Point } from "../store/point.js";
import { storedPointText } from "../store/point-text.js";
import { timeMsOf } from "../store/read-journal-batches.js";
import { attributeAuthor, type AuthorKind } from "./agent-attribution.js";
import { sortedFields, type ExampleCounts } from "./build-examples.js";
import type { SortedRecord } from "./sorted-points.js";
import { UnreadableLines } from "./unreadable-lines.js";

/** The horizons labels are computed over, in hours. */
export const HORIZONS = [1, 6, 24] as const;
export type HorizonKey = "h1" | "h6" | "h24";

/** GitHub's MergeStateStatus values: one `hours_in_merge_state` key each, always present (typed columns). */
export const MERGE_STATES = ["BEHIND", "BLOCKED", "CLEAN", "DIRTY", "DRAFT", "HAS_HOOKS", "UNKNOWN", "UNSTABLE"] as const;

/** The `*_hours` signals, recomputed as of the action's time in schema 2. */
export const HOUR_SIGNALS = ["pr_age_hours", "last_push_hours", "last_activity_hours"] as const;

/** Signals compared for `next_observation_changed`: provenance and clock-driven fields are left out. */
const NOT_COMPARED = new Set<string>(["trigger", "delivery_id", ...HOUR_SIGNALS]);

export const OUTCOME_CLASSES = ["merged_unchanged", "merged_with_iteration", "closed_unmerged", "escalated", "other", "open"] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/** What happened within one horizon after the action; every value null when `censored`. */
export interface HorizonLabels {
  /** The data of this PR ends before the horizon does (and the PR had no outcome): nothing is known. */
  censored: boolean;
  /** An observation in (time, time + horizon] had `checks_failing` 0. */
  checks_failing_zero: boolean | null;
  /** ... had `threads_unresolved` 0. */
  threads_unresolved_zero: boolean | null;
  /** ... had `mergeable` true. */
  mergeable: boolean | null;
  /** ... had `merge_state` CLEAN. */
  merge_state_clean: boolean | null;
  /** ... had more `reviews_approved` than the action's signals (0 without signals). */
  reviews_approved_rose: boolean | null;
  /** The same action was recorded again on the PR in (time, time + horizon]. */
  retried: boolean | null;
  /**
   * One of the five above became true that was not true at the action (checks or threads reached
   * 0 from above, mergeable or CLEAN from another value, approvals rose).
   */
  improved: boolean | null;
}

/** What the PR's history was up to the action's time (observations at or before it only). */
export interface History {
  /** Hours between the PR's first observation and the action. */
  observed_hours: number;
  /** Hours spent in each merge_state value (each observation's value holds until the next one, or the action). */
  hours_in_merge_state: Record<(typeof MERGE_STATES)[number], number>;
  /** Hours spent as a draft, counted the same way. */
  hours_draft: number;
  /** Changes of `head_sha` between consecutive observations (pushes seen; several between two observations count once). */
  pushes: number;
  /** Completed review rounds: changes requested, then a new head_sha, then a review change (approvals or changes requested moved). */
  review_rounds: number;
  /** Times `checks_failing` went from 0 (or the first observation) to more than 0. */
  check_failures: number;
  /** Times `checks_failing` went from more than 0 to 0. */
  check_fail_pass_flips: number;
  /** Actions recorded on the PR before this one, and of the same action. */
  prior_actions: number;
  prior_same_action: number;
  prior_actions_by_type: Record<string, number>;
  /** Hours since the PR's previous action; null for its first. */
  hours_since_last_action: number | null;
}

/** One schema-2 example: features as of the action's time, labels from what came after. */
export interface LearningExample {
  repo: string;
  pr: number;
  time: string;
  action: string | null;
  reason: string | null;
  source: string | null;
  /** The PR author's login (the `author` tag of its newest observation at or before the action). */
  author: string | null;
  author_kind: AuthorKind | null;
  agent: string | null;
  /** The newest observation at or before `time`, with HOUR_SIGNALS advanced to `time` (float hours). */
  signals: Record<string, FieldValue> | null;
  signals_time: string | null;
  /** Seconds between that observation and the action. */
  signals_age_s: number | null;
  history: History;
  /** The PR's first observation after the action (at any distance) and the signals that differ from `signals`. */
  next_observation_time: string | null;
  next_observation_changed: string[] | null;
  labels: Record<HorizonKey, HorizonLabels>;
  /** The PR's latest outcome at or after `time`; null while the PR is open (censored). As in schema 1. */
  outcome: { result: string | null; detail: string | null; resolution_hours: number | null; time: string } | null;
  hours_to_outcome: number | null;
  outcome_class: OutcomeClass;
  /** No outcome is known (outcome_class `open`). */
  censored: boolean;
}

export interface LearningOptions {
  /** Logins of agents beyond the default map (PR_TELEMETRY_AGENTS, `agents:`). */
  agents?: Record<string, string> | undefined;
}

const HOUR_MS = 3_600_000;
const HORIZON_KEYS: HorizonKey[] = HORIZONS.map((h) => `h${h}` as HorizonKey);

const str = (v: FieldValue | undefined): string | null => (v === undefined ? null : String(v));
const num = (v: FieldValue | undefined): number | null => (typeof v === "number" ? v : null);

interface Observed {
  timeMs: number;
  fields: Record<string, FieldValue>;
  author: string | undefined;
}

/** Per action, what is gathered after it until the PR ends. */
interface Pending {
  timeMs: number;
  fields: Record<string, FieldValue>;
  example: Omit<LearningExample, "labels" | "outcome" | "hours_to_outcome" | "outcome_class" | "censored" | "next_observation_time" | "next_observation_changed">;
  pushesAtAction: number;
  next: Observed | undefined;
  seen: Record<HorizonKey, { checks: boolean; threads: boolean; mergeable: boolean; clean: boolean; approvals: boolean; retried: boolean }>;
}

/** The PR's history, advanced observation by observation. */
class HistoryState {
  first: number | undefined;
  last: Observed | undefined;
  hoursInState = new Map<string, number>();
  hoursDraft = 0;
  pushes = 0;
  rounds = 0;
  failures = 0;
  flips = 0;
  // Review rounds: 0 waiting for changes requested, 1 waiting for a push, 2 waiting for a review change.
  phase = 0;
  reviewMark = "";
  actions = new Map<string, number>();
  actionCount = 0;
  lastActionMs: number | undefined;

  observe(o: Observed): void {
    const f = o.fields;
    if (this.first === undefined) this.first = o.timeMs;
    const prev = this.last;
    if (prev) this.#accrue(prev, o.timeMs, this.hoursInState, (h) => (this.hoursDraft += h));
    const failing = num(f.checks_failing);
    const prevFailing = prev ? num(prev.fields.checks_failing) : null;
    if (failing !== null && failing > 0 && !(prevFailing !== null && prevFailing > 0)) this.failures++;
    if (failing === 0 && prevFailing !== null && prevFailing > 0) this.flips++;
    const pushed = prev !== undefined && f.head_sha !== undefined && prev.fields.head_sha !== undefined && f.head_sha !== prev.fields.head_sha;
    if (pushed) this.pushes++;
    const changesRequested = f.review_decision === "CHANGES_REQUESTED" || (num(f.reviews_changes_requested) ?? 0) > 0;
    const mark = `${num(f.reviews_approved) ?? 0}/${num(f.reviews_changes_requested) ?? 0}/${str(f.review_decision) ?? ""}`;
    if (this.phase === 2 && mark !== this.reviewMark) {
      this.rounds++;
      this.phase = 0;
    }
    if (this.phase === 1 && pushed) {
      this.phase = 2;
      this.reviewMark = mark;
    }
    if (this.phase === 0 && changesRequested) this.phase = 1;
    this.last = o;
  }

  /** Hours from `from`'s time to `toMs` added to its merge_state and draft totals. */
  #accrue(from: Observed, toMs: number, states: Map<string, number>, draft: (hours: number) => void): void {
    const hours = (toMs - from.timeMs) / HOUR_MS;
    const state = str(from.fields.merge_state);
    if (state !== null) states.set(state, (states.get(state) ?? 0) + hours);
    if (from.fields.is_draft === true) draft(hours);
  }

  /** The history as of `timeMs` (at or after the last observation), without changing the state. */
  snapshot(timeMs: number, action: string): History {
    const states = new Map(this.hoursInState);
    let draft = this.hoursDraft;
    if (this.last) this.#accrue(this.last, timeMs, states, (h) => (draft += h));
    const hours_in_merge_state = {} as History["hours_in_merge_state"];
    for (const s of MERGE_STATES) hours_in_merge_state[s] = states.get(s) ?? 0;
    const byType: Record<string, number> = {};
    for (const key of [...this.actions.keys()].sort()) byType[key] = this.actions.get(key)!;
    return {
      observed_hours: this.first === undefined ? 0 : (timeMs - this.first) / HOUR_MS,
      hours_in_merge_state,
      hours_draft: draft,
      pushes: this.pushes,
      review_rounds: this.rounds,
      check_failures: this.failures,
      check_fail_pass_flips: this.flips,
      prior_actions: this.actionCount,
      prior_same_action: this.actions.get(action) ?? 0,
      prior_actions_by_type: byType,
      hours_since_last_action: this.lastActionMs === undefined ? null : (timeMs - this.lastActionMs) / HOUR_MS,
    };
  }

  act(timeMs: number, action: string): void {
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
    this.actionCount++;
    this.lastActionMs = timeMs;
  }
}

/** The signals as of `atMs`: the observation's fields (keys sorted) with the hour fields advanced. */
function signalsAt(o: Observed, atMs: number): Record<string, FieldValue> {
  const fields = sortedFields(o.fields);
  const elapsed = (atMs - o.timeMs) / HOUR_MS;
  for (const key of HOUR_SIGNALS) {
    const value = fields[key];
    if (typeof value === "number") fields[key] = value + elapsed;
  }
  return fields;
}

function emptySeen(): Pending["seen"] {
  const seen = {} as Pending["seen"];
  for (const k of HORIZON_KEYS) seen[k] = { checks: false, threads: false, mergeable: false, clean: false, approvals: false, retried: false };
  return seen;
}

/**
 * Turns points sorted by (repo, pr, time) into schema-2 examples, one per action, in the same
 * order. Features use only records at or before the action's time (an observation at its very
 * millisecond sorts first and counts; one a millisecond later does not); labels use only records
 * after it. Holds one PR at a time: its actions (with their label accumulators), its history and
 * its latest outcome. Every observation is parsed (history needs each one).
 */
export async function* buildLearningExamples(
  batches: AsyncIterable<SortedRecord[]>,
  counts: ExampleCounts = { examples: 0, censored: 0, withoutSignals: 0 },
  shared?: UnreadableLines,
  options: LearningOptions = {},
): AsyncGenerator<LearningExample> {
  const unreadable = shared ?? new UnreadableLines();
  const pointOf = (payload: string): Point | undefined => {
    const point = unreadable.point(payload);
    try {
      if (point) void point.fields;
      return point;
    } catch {
      return undefined;
    }
  };
  let group: string | undefined;
  let repo = "";
  let pr = 0;
  let actions: Pending[] = [];
  let history = new HistoryState();
  let author: string | undefined;
  let outcome: { timeMs: number; fields: Record<string, FieldValue>; pushes: number } | undefined;
  let reopened = false;
  let lastMs = -Infinity;

  function* flush(): Generator<LearningExample> {
    for (const a of actions) {
      const known = outcome !== undefined && outcome.timeMs >= a.timeMs && !reopened ? outcome : undefined;
      const labels = {} as Record<HorizonKey, HorizonLabels>;
      HORIZONS.forEach((h, i) => {
        const key = HORIZON_KEYS[i]!;
        const end = a.timeMs + h * HOUR_MS;
        // Known when the PR's data reaches the horizon's end, or the PR ended (an outcome) before it.
        const censored = !(lastMs >= end || known !== undefined);
        if (censored) {
          labels[key] = { censored, checks_failing_zero: null, threads_unresolved_zero: null, mergeable: null, merge_state_clean: null, reviews_approved_rose: null, retried: null, improved: null };
          return;
        }
        const s = a.seen[key];
        const before = a.example.signals;
        const improved =
          (s.checks && !(before?.checks_failing === 0)) ||
          (s.threads && !(before?.threads_unresolved === 0)) ||
          (s.mergeable && before?.mergeable !== true) ||
          (s.clean && before?.merge_state !== "CLEAN") ||
          s.approvals;
        labels[key] = {
          censored,
          checks_failing_zero: s.checks,
          threads_unresolved_zero: s.threads,
          mergeable: s.mergeable,
          merge_state_clean: s.clean,
          reviews_approved_rose: s.approvals,
          retried: s.retried,
          improved,
        };
      });
      let changed: string[] | null = null;
      if (a.next) {
        const before = a.example.signals ?? {};
        const keys = new Set([...Object.keys(before), ...Object.keys(a.next.fields)]);
        changed = [...keys].filter((k) => !NOT_COMPARED.has(k) && before[k] !== a.next!.fields[k]).sort();
      }
      const result = known ? str(known.fields.result) : null;
      const outcomeClass: OutcomeClass = !known
        ? "open"
        : result === "success"
          ? known.pushes === a.pushesAtAction
            ? "merged_unchanged"
            : "merged_with_iteration"
          : result === "closed"
            ? "closed_unmerged"
            : result === "escalated"
              ? "escalated"
              : "other";
      const example: LearningExample = {
        ...a.example,
        next_observation_time: a.next ? new Date(a.next.timeMs).toISOString() : null,
        next_observation_changed: changed,
        labels,
        outcome: known
          ? {
              result,
              detail: str(known.fields.detail),
              resolution_hours: num(known.fields.resolution_hours),
              time: new Date(known.timeMs).toISOString(),
            }
          : null,
        hours_to_outcome: known ? (known.timeMs - a.timeMs) / HOUR_MS : null,
        outcome_class: outcomeClass,
        censored: !known,
      };
      counts.examples++;
      if (!known) counts.censored++;
      if (!a.example.signals) counts.withoutSignals++;
      yield example;
    }
  }

  /** Updates the label accumulators of the actions whose 24 h horizon covers `o`. */
  function labelObservation(o: Observed): void {
    for (let i = actions.length - 1; i >= 0; i--) {
      const a = actions[i]!;
      const since = o.timeMs - a.timeMs;
      if (since <= 0) continue; // cannot happen (observations of the same ms sort first), kept for safety
      if (since > HORIZONS[HORIZONS.length - 1]! * HOUR_MS) {
        if (a.next) break; // older actions have seen their next observation and their horizons ended
        a.next = o;
        continue;
      }
      a.next ??= o;
      const f = o.fields;
      const approvedBefore = num(a.example.signals?.reviews_approved) ?? 0;
      HORIZONS.forEach((h, k) => {
        if (since > h * HOUR_MS) return;
        const s = a.seen[HORIZON_KEYS[k]!];
        if (f.checks_failing === 0) s.checks = true;
        if (f.threads_unresolved === 0) s.threads = true;
        if (f.mergeable === true) s.mergeable = true;
        if (f.merge_state === "CLEAN") s.clean = true;
        if ((num(f.reviews_approved) ?? 0) > approvedBefore) s.approvals = true;
      });
    }
  }

  function labelRetry(timeMs: number, action: string): void {
    for (let i = actions.length - 1; i >= 0; i--) {
      const a = actions[i]!;
      const since = timeMs - a.timeMs;
      if (since > HORIZONS[HORIZONS.length - 1]! * HOUR_MS) break;
      if (since <= 0 || str(a.fields.action) !== action) continue;
      HORIZONS.forEach((h, k) => {
        if (since <= h * HOUR_MS) a.seen[HORIZON_KEYS[k]!].retried = true;
      });
    }
  }

  try {
    for await (const batch of batches) {
      for (const record of batch) {
        if (record.group !== group) {
          yield* flush();
          group = record.group;
          repo = record.repo;
          pr = record.pr;
          actions = [];
          history = new HistoryState();
          author = undefined;
          outcome = undefined;
          reopened = false;
          lastMs = -Infinity;
        }
        lastMs = Math.max(lastMs, record.timeMs);
        switch (record.measurement) {
          case "pr_observation": {
            const point = pointOf(record.payload);
            if (!point) break; // unreadable: as if it were not there
            const o: Observed = { timeMs: record.timeMs, fields: point.fields, author: point.tags.author };
            if (o.author) author = o.author;
            if (outcome && !reopened && point.fields.state === "OPEN") reopened = true;
            labelObservation(o);
            history.observe(o);
            break;
          }
          case "action_taken": {
            const point = pointOf(record.payload);
            if (!point) break;
            const fields = point.fields;
            const action = str(fields.action);
            const last = history.last;
            const attribution = author === undefined ? undefined : attributeAuthor(author, options.agents);
            const example: Pending["example"] = {
              repo,
              pr,
              time: new Date(record.timeMs).toISOString(),
              action,
              reason: str(fields.reason),
              source: str(fields.source),
              author: author ?? null,
              author_kind: attribution?.author_kind ?? null,
              agent: attribution?.agent ?? null,
              signals: last ? signalsAt(last, record.timeMs) : null,
              signals_time: last ? new Date(last.timeMs).toISOString() : null,
              signals_age_s: last ? (record.timeMs - last.timeMs) / 1000 : null,
              history: history.snapshot(record.timeMs, action ?? ""),
            };
            labelRetry(record.timeMs, action ?? "");
            history.act(record.timeMs, action ?? "");
            actions.push({ timeMs: record.timeMs, fields, example, pushesAtAction: history.pushes, next: undefined, seen: emptySeen() });
            break;
          }
          case "outcome": {
            const point = pointOf(record.payload);
            if (!point) break;
            outcome = { timeMs: record.timeMs, fields: point.fields, pushes: history.pushes };
            reopened = false;
            break;
          }
        }
      }
    }
    yield* flush();
  } finally {
    if (!shared) unreadable.close();
  }
}

/**
 * The projection `sortedPoints` needs for schema-2 examples and stats: every point as its journal
 * line. Unlike schema 1 each observation is parsed (for the history features), so the full line
 * travels through the sort: reading back a reference per observation is a random read each.
 * Actions before `since` are left out; observations and outcomes are kept whatever their time.
 */
export function learningProjection(since: Date | undefined): (point: Point) => string | undefined {
  const sinceMs = since?.getTime() ?? -Infinity;
  return (point) => {
    switch (point.measurement) {
      case "pr_observation":
      case "outcome":
        return storedPointText(point);
      case "action_taken":
        return timeMsOf(point) >= sinceMs ? storedPointText(point) : undefined;
      default:
        return undefined;
    }
  };
}

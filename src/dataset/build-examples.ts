import type { FieldValue, Point } from "../store/point.js";
import { pointTextOrRef, storedPointText } from "../store/point-text.js";
import { timeMsOf } from "../store/read-journal-batches.js";
import { UnreadableLines } from "./unreadable-lines.js";
import type { SortedRecord } from "./sorted-points.js";

/** One training example: the state a PR was in when an action was taken, and what came of it. */
export interface Example {
  repo: string;
  pr: number;
  /** The action's time (ISO-8601 UTC, ms). */
  time: string;
  action: string | null;
  reason: string | null;
  source: string | null;
  /** The fields of the PR's newest observation at or before `time`; null when there is none. */
  signals: Record<string, FieldValue> | null;
  signals_time: string | null;
  /** The PR's latest outcome at or after `time`; null while the PR is open (censored). */
  outcome: { result: string | null; detail: string | null; resolution_hours: number | null; time: string } | null;
  hours_to_outcome: number | null;
  censored?: true;
}

export interface ExampleCounts {
  examples: number;
  censored: number;
  withoutSignals: number;
}

const HOUR_MS = 3_600_000;

/**
 * The projection `sortedPoints` needs for examples: the point as a journal line (the one it was
 * read from when there is one, saving a serialisation). Actions before `since` are left out;
 * observations and outcomes are kept whatever their time, so an action's signals and outcome
 * never depend on where the window starts.
 */
export function examplesProjection(since: Date | undefined): (point: Point) => string | undefined {
  const sinceMs = since?.getTime() ?? -Infinity;
  return (point) => {
    switch (point.measurement) {
      case "pr_observation":
        // Observations are the bulk and few are used: keep a reference to a journal line.
        return pointTextOrRef(point);
      case "outcome":
        return storedPointText(point);
      case "action_taken":
        return timeMsOf(point) >= sinceMs ? storedPointText(point) : undefined;
      default:
        return undefined;
    }
  };
}

/** An object with the same entries, keys in code-unit order (the journal keeps write order, InfluxDB sorts). */
export function sortedFields(fields: Record<string, FieldValue>): Record<string, FieldValue> {
  const keys = Object.keys(fields);
  // Observations nearly always carry the same fields in the same order: sort that order once.
  let order = lastOrder;
  if (keys.length !== lastKeys.length || keys.some((k, i) => k !== lastKeys[i])) {
    order = [...keys].sort();
    lastKeys = keys;
    lastOrder = order;
  }
  const out: Record<string, FieldValue> = {};
  for (const key of order) out[key] = fields[key]!;
  return out;
}

let lastKeys: string[] = [];
let lastOrder: string[] = [];

const str = (v: FieldValue | undefined): string | null => (v === undefined ? null : String(v));
const num = (v: FieldValue | undefined): number | null => (typeof v === "number" ? v : null);

interface PendingAction {
  timeMs: number;
  fields: Record<string, FieldValue>;
  signals: Record<string, FieldValue> | null;
  signalsMs: number | null;
}

/**
 * Turns points sorted by (repo, pr, time) into examples, one per action, in the same order.
 * Holds one PR at a time: its actions, newest observation and latest outcome. An observation at
 * the action's very millisecond counts as "at or before" (it sorts first); one a millisecond
 * later does not. A PR whose latest outcome is older than the action, or that was seen open
 * again after its latest outcome (reopened), has no known outcome: `censored`.
 */
export async function* buildExamples(
  batches: AsyncIterable<SortedRecord[]>,
  counts: ExampleCounts = { examples: 0, censored: 0, withoutSignals: 0 },
  /** Where unreadable lines are counted (a line whose fields are damaged is passed over). */
  shared?: UnreadableLines,
): AsyncGenerator<Example> {
  const unreadable = shared ?? new UnreadableLines();
  const fieldsOf = (payload: string) => unreadable.point(payload)?.fields;
  let group: string | undefined;
  let repo = "";
  let pr = 0;
  let actions: PendingAction[] = [];
  // The newest readable observation so far, parsed; and the observations after it, not parsed
  // yet (newest last): one of them is parsed only when an action needs signals, the newest
  // readable one. Bounded: more than MAX_UNPARSED observations between two actions keep only
  // the newest (a run of that many unreadable lines would then fall back to an older one).
  let observation: { timeMs: number; parsed: Record<string, FieldValue> } | undefined;
  let unparsed: Array<{ timeMs: number; payload: string }> = [];
  let outcome: { timeMs: number; fields: Record<string, FieldValue> } | undefined;
  let reopened = false;

  const newestReadable = () => {
    while (unparsed.length) {
      const o = unparsed.pop()!;
      const fields = fieldsOf(o.payload);
      if (fields) {
        observation = { timeMs: o.timeMs, parsed: sortedFields(fields) };
        break;
      }
    }
    unparsed = [];
    return observation;
  };

  function* flush(): Generator<Example> {
    for (const a of actions) {
      const known = outcome !== undefined && outcome.timeMs >= a.timeMs && !reopened ? outcome : undefined;
      const example: Example = {
        repo,
        pr,
        time: new Date(a.timeMs).toISOString(),
        action: str(a.fields.action),
        reason: str(a.fields.reason),
        source: str(a.fields.source),
        signals: a.signals,
        signals_time: a.signalsMs === null ? null : new Date(a.signalsMs).toISOString(),
        outcome: known
          ? {
              result: str(known.fields.result),
              detail: str(known.fields.detail),
              resolution_hours: num(known.fields.resolution_hours),
              time: new Date(known.timeMs).toISOString(),
            }
          : null,
        hours_to_outcome: known ? (known.timeMs - a.timeMs) / HOUR_MS : null,
      };
      counts.examples++;
      if (!known) {
        example.censored = true;
        counts.censored++;
      }
      if (!a.signals) counts.withoutSignals++;
      yield example;
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
          observation = undefined;
          unparsed = [];
          outcome = undefined;
          reopened = false;
        }
        switch (record.measurement) {
          case "pr_observation":
            if (outcome && !reopened) {
              const fields = fieldsOf(record.payload);
              if (!fields) break; // unreadable: as if it were not there
              unparsed = [];
              observation = { timeMs: record.timeMs, parsed: sortedFields(fields) };
              if (fields.state === "OPEN") reopened = true;
            } else {
              unparsed.push({ timeMs: record.timeMs, payload: record.payload });
              if (unparsed.length > MAX_UNPARSED) unparsed.shift();
            }
            break;
          case "action_taken": {
            const fields = fieldsOf(record.payload);
            if (!fields) break;
            const signals = newestReadable();
            actions.push({ timeMs: record.timeMs, fields, signals: signals?.parsed ?? null, signalsMs: signals?.timeMs ?? null });
            break;
          }
          case "outcome": {
            const fields = fieldsOf(record.payload);
            if (!fields) break;
            outcome = { timeMs: record.timeMs, fields };
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

/** See buildExamples: unparsed observations kept between two actions. */
const MAX_UNPARSED = 256;

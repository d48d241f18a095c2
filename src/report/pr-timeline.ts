import type { FieldValue, Point } from "../store/point.js";

/** A field of an observation that differs from the PR's previous observation (`from` undefined: first seen). */
export interface FieldChange {
  field: string;
  from: FieldValue | undefined;
  to: FieldValue | undefined;
}

export type TimelineEntry =
  | { kind: "observation"; time: string; trigger: string | undefined; changes: FieldChange[] }
  | { kind: "action"; time: string; action: string; source: string | undefined; reason: string | undefined; actor: string | undefined }
  | { kind: "outcome"; time: string; result: string; detail: string | undefined; source: string | undefined; resolutionHours: number | undefined };

/** One PR's life in time order (see buildTimeline). */
export interface Timeline {
  repo: string;
  pr: number;
  entries: TimelineEntry[];
}

/**
 * Fields left out of an observation's changes: what made it (shown as its trigger) and clock
 * readings that grow by themselves between any two observations, so they would change every time
 * and hide what did.
 */
const NOT_CHANGES = new Set(["trigger", "delivery_id", "pr_age_hours", "last_push_hours", "last_activity_hours"]);

/** Points at the same time come in the order a PR lives them: what was seen, what was done, how it ended. */
const ORDER: Record<string, number> = { pr_observation: 0, action_taken: 1, outcome: 2 };

const text = (v: FieldValue | undefined) => (v === undefined ? undefined : String(v));

/**
 * One PR's timeline from its points (any order, any store): each observation as the fields that
 * changed since the previous one (an observation that changed nothing keeps its place with no
 * changes: it says the PR was looked at then), each action with its source and reason, each
 * outcome. Other measurements are ignored.
 */
export function buildTimeline(repo: string, pr: number, points: Iterable<Point>): Timeline {
  const sorted = [...points]
    .filter((p) => p.measurement in ORDER)
    .sort((a, b) => a.time.getTime() - b.time.getTime() || ORDER[a.measurement]! - ORDER[b.measurement]!);
  const entries: TimelineEntry[] = [];
  let previous: Record<string, FieldValue> | undefined;
  for (const point of sorted) {
    const time = point.time.toISOString();
    const f = point.fields;
    if (point.measurement === "pr_observation") {
      const changes: FieldChange[] = [];
      const names = new Set([...Object.keys(previous ?? {}), ...Object.keys(f)]);
      for (const field of [...names].sort()) {
        if (NOT_CHANGES.has(field)) continue;
        const from = previous?.[field];
        const to = f[field];
        if (from !== to) changes.push({ field, from, to });
      }
      entries.push({ kind: "observation", time, trigger: text(f.trigger), changes });
      previous = f;
    } else if (point.measurement === "action_taken") {
      entries.push({ kind: "action", time, action: String(f.action ?? "(none)"), source: text(f.source), reason: text(f.reason), actor: text(f.actor) });
    } else {
      entries.push({
        kind: "outcome",
        time,
        result: String(f.result ?? "(none)"),
        detail: text(f.detail),
        source: text(f.source),
        resolutionHours: typeof f.resolution_hours === "number" ? f.resolution_hours : undefined,
      });
    }
  }
  return { repo, pr, entries };
}

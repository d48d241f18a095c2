import type { Point } from "../store/point.js";
import { buildTimeline, type Timeline } from "./pr-timeline.js";

/** What the report shows that `stats` does not count: time per state, the funnel, volume, lists of PRs. */
export interface ReportData {
  /** Per action type and PR: hours from the PR's first such action in the window to the PR's latest outcome at or after it. */
  hoursToOutcome: Array<{ action: string; repo: string; pr: number; hours: number }>;
  /** Hours open PRs spent in each merge_state within the window (an observation's state holds until the next one, the outcome or the window's end). */
  mergeStateHours: Array<{ state: string; hours: number }>;
  /** Hours open PRs spent as drafts within the window. */
  draftHours: number;
  /** PRs first seen in the window reaching each step, and the median hours from the previous step (PRs that reached both). */
  funnel: Array<{ step: "opened" | "ready for review" | "approved" | "merged"; prs: number; medianHours: number | null }>;
  /** Points per UTC day in the window, by measurement. */
  volume: Array<{ day: string; series: "observations" | "actions" | "outcomes"; value: number }>;
  /** Outcomes per UTC day by `source`: those with source `sweep` are closes the webhooks missed. */
  outcomesBySource: Array<{ day: string; series: string; value: number }>;
  /** The open PRs waiting longest (hours since opening at the window's end). */
  slowestOpen: Array<{ repo: string; pr: number; author: string; openHours: number; mergeState: string; actions: number }>;
  /** The PRs with the most actions in the window, and their latest outcome. */
  mostAttempts: Array<{ repo: string; pr: number; actions: number; outcome: string | null }>;
  /** The timelines of the PRs in the two lists above. */
  timelines: Timeline[];
}

interface PrPoints {
  repo: string;
  pr: number;
  observations: Point[];
  actions: Point[];
  outcomes: Point[];
}

const HOUR = 3_600_000;
const LIST_LENGTH = 10;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const dayOf = (t: Date) => t.toISOString().slice(0, 10);
const byTime = (a: Point, b: Point) => a.time.getTime() - b.time.getTime();

/**
 * The report's own figures, from the same points `stats` reads (every point up to the window's
 * end: an outcome after an action, or a state entered before the window, may be older than the
 * window's start). PRs are held in memory, compactly enough for a report's window of a few
 * thousand PRs.
 */
export async function buildReportData(source: AsyncIterable<Point[]>, window: { since: Date | undefined; until: Date }): Promise<ReportData> {
  const sinceMs = window.since?.getTime() ?? -Infinity;
  const untilMs = window.until.getTime();
  const inWindow = (p: Point) => p.time.getTime() >= sinceMs && p.time.getTime() <= untilMs;
  const prs = new Map<string, PrPoints>();
  const volume = new Map<string, number>();
  const bySource = new Map<string, number>();
  const series = { pr_observation: "observations", action_taken: "actions", outcome: "outcomes" } as const;
  for await (const batch of source) {
    for (const point of batch) {
      const kind = series[point.measurement as keyof typeof series];
      if (!kind || point.time.getTime() > untilMs) continue;
      const repo = point.tags.repo ?? "";
      const pr = Number(point.tags.pr);
      if (!Number.isInteger(pr)) continue;
      const key = `${repo}#${pr}`;
      let entry = prs.get(key);
      if (!entry) prs.set(key, (entry = { repo, pr, observations: [], actions: [], outcomes: [] }));
      (kind === "observations" ? entry.observations : kind === "actions" ? entry.actions : entry.outcomes).push(point);
      if (!inWindow(point)) continue;
      const day = dayOf(point.time);
      volume.set(`${day}\0${kind}`, (volume.get(`${day}\0${kind}`) ?? 0) + 1);
      if (kind === "outcomes") {
        const src = String(point.fields.source ?? "(unknown)");
        bySource.set(`${day}\0${src}`, (bySource.get(`${day}\0${src}`) ?? 0) + 1);
      }
    }
  }

  const hoursToOutcome: ReportData["hoursToOutcome"] = [];
  const stateHours = new Map<string, number>();
  let draftHours = 0;
  const steps = { opened: 0, ready: 0, approved: 0, merged: 0 };
  const gaps: Record<"ready" | "approved" | "merged", number[]> = { ready: [], approved: [], merged: [] };
  const open: ReportData["slowestOpen"] = [];
  const attempts: ReportData["mostAttempts"] = [];

  for (const p of prs.values()) {
    p.observations.sort(byTime);
    p.actions.sort(byTime);
    p.outcomes.sort(byTime);
    const latestOutcome = p.outcomes.at(-1);
    const touched = [...p.observations, ...p.actions, ...p.outcomes].some(inWindow);
    if (!touched) continue;

    // Hours to outcome: the first action of each type in the window, the latest outcome at or after it.
    const firsts = new Map<string, Point>();
    for (const a of p.actions) if (inWindow(a) && !firsts.has(String(a.fields.action))) firsts.set(String(a.fields.action), a);
    for (const [action, a] of firsts) {
      if (latestOutcome && latestOutcome.time >= a.time) hoursToOutcome.push({ action, repo: p.repo, pr: p.pr, hours: (latestOutcome.time.getTime() - a.time.getTime()) / HOUR });
    }

    // Time per state: each observation's state holds until the next observation, an outcome, or the window's end.
    for (let i = 0; i < p.observations.length; i++) {
      const o = p.observations[i]!;
      if (o.fields.state !== undefined && o.fields.state !== "OPEN") continue;
      const start = o.time.getTime();
      const nextObs = p.observations[i + 1]?.time.getTime() ?? Infinity;
      const nextOutcome = p.outcomes.find((x) => x.time.getTime() >= start)?.time.getTime() ?? Infinity;
      const end = Math.min(nextObs, nextOutcome, untilMs);
      const hours = Math.max(0, Math.min(end, untilMs) - Math.max(start, sinceMs)) / HOUR;
      if (hours <= 0) continue;
      const state = String(o.fields.merge_state ?? "(unknown)");
      stateHours.set(state, (stateHours.get(state) ?? 0) + hours);
      if (o.fields.is_draft === true) draftHours += hours;
    }

    // The funnel, for PRs first seen in the window.
    const first = p.observations[0];
    if (first && first.time.getTime() >= sinceMs) {
      steps.opened++;
      const ready = p.observations.find((o) => o.fields.is_draft === false);
      const approved = p.observations.find((o) => Number(o.fields.reviews_approved ?? 0) > 0 || o.fields.review_decision === "APPROVED");
      const merged = latestOutcome?.fields.result === "success" ? latestOutcome : undefined;
      if (ready) {
        steps.ready++;
        gaps.ready.push((ready.time.getTime() - first.time.getTime()) / HOUR);
      }
      if (approved) {
        steps.approved++;
        if (ready) gaps.approved.push((approved.time.getTime() - ready.time.getTime()) / HOUR);
      }
      if (merged) {
        steps.merged++;
        if (approved) gaps.merged.push((merged.time.getTime() - approved.time.getTime()) / HOUR);
      }
    }

    const actionsInWindow = p.actions.filter(inWindow).length;
    if (actionsInWindow > 0) attempts.push({ repo: p.repo, pr: p.pr, actions: actionsInWindow, outcome: latestOutcome ? String(latestOutcome.fields.result) : null });
    const last = p.observations.at(-1);
    const closed = latestOutcome && (!last || latestOutcome.time >= last.time);
    if (last && !closed && (last.fields.state === undefined || last.fields.state === "OPEN")) {
      const ageAtLast = typeof last.fields.pr_age_hours === "number" ? last.fields.pr_age_hours : (last.time.getTime() - first!.time.getTime()) / HOUR;
      open.push({
        repo: p.repo,
        pr: p.pr,
        author: last.tags.author ?? "",
        openHours: ageAtLast + (untilMs - last.time.getTime()) / HOUR,
        mergeState: String(last.fields.merge_state ?? "(unknown)"),
        actions: actionsInWindow,
      });
    }
  }

  const byPr = (a: { repo: string; pr: number }, b: { repo: string; pr: number }) => (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.pr - b.pr);
  const slowestOpen = open.sort((a, b) => b.openHours - a.openHours || byPr(a, b)).slice(0, LIST_LENGTH);
  const mostAttempts = attempts.sort((a, b) => b.actions - a.actions || byPr(a, b)).slice(0, LIST_LENGTH);
  const listed = new Map<string, PrPoints>();
  for (const x of [...slowestOpen, ...mostAttempts]) listed.set(`${x.repo}#${x.pr}`, prs.get(`${x.repo}#${x.pr}`)!);
  const split = (m: Map<string, number>) =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => {
      const [day, name] = key.split("\0") as [string, string];
      return { day, series: name, value };
    });
  return {
    hoursToOutcome: hoursToOutcome.sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : byPr(a, b))),
    mergeStateHours: [...stateHours.entries()].map(([state, hours]) => ({ state, hours })).sort((a, b) => b.hours - a.hours || (a.state < b.state ? -1 : 1)),
    draftHours,
    funnel: [
      { step: "opened", prs: steps.opened, medianHours: null },
      { step: "ready for review", prs: steps.ready, medianHours: median(gaps.ready) },
      { step: "approved", prs: steps.approved, medianHours: median(gaps.approved) },
      { step: "merged", prs: steps.merged, medianHours: median(gaps.merged) },
    ],
    volume: split(volume) as ReportData["volume"],
    outcomesBySource: split(bySource),
    slowestOpen,
    mostAttempts,
    timelines: [...listed.values()].map((p) => buildTimeline(p.repo, p.pr, [...p.observations, ...p.actions, ...p.outcomes])),
  };
}

import { showValue } from "./format-timeline.js";
import { chartFigure, escapeHtml, renderPage, type ChartSpec } from "./html-page.js";
import type { Timeline, TimelineEntry } from "./pr-timeline.js";

/** A short label of an entry (the dot's tooltip). */
function entryLabel(e: TimelineEntry): string {
  if (e.kind === "observation") return `${e.trigger ?? "observed"}: ${e.changes.length} change(s)`;
  if (e.kind === "action") return `${e.action} (${e.source ?? "?"})`;
  return `outcome ${e.result}`;
}

/** The timeline's chart: one dot per entry on a time axis, a row per kind. */
export function timelineChart(timeline: Timeline, id = "timeline-chart"): ChartSpec {
  const counts = { observation: 0, action: 0, outcome: 0 };
  for (const e of timeline.entries) counts[e.kind]++;
  const first = timeline.entries[0]?.time;
  const last = timeline.entries.at(-1)?.time;
  const hours = first && last ? (Date.parse(last) - Date.parse(first)) / 3_600_000 : 0;
  return {
    id,
    title: `${timeline.repo}#${timeline.pr} in time`,
    reading: timeline.entries.length
      ? `${counts.observation} observation(s), ${counts.action} action(s) and ${counts.outcome} outcome(s) over ${hours.toFixed(1)} hours.`
      : "Nothing recorded for this pull request.",
    marks: timeline.entries.length,
    plot: { type: "events", data: timeline.entries.map((e) => ({ time: e.time, kind: e.kind, label: entryLabel(e) })) },
  };
}

/** The timeline's entries as an HTML table (every stored string escaped). */
export function timelineTable(timeline: Timeline): string {
  if (timeline.entries.length === 0) return `<p class="empty">Nothing recorded for ${escapeHtml(`${timeline.repo}#${timeline.pr}`)}.</p>`;
  const rows = timeline.entries.map((e) => {
    let what: string;
    if (e.kind === "observation") {
      const changes = e.changes.map((c) => `<div class="change"><code>${escapeHtml(c.field)}</code>: ${escapeHtml(showValue(c.from))} → ${escapeHtml(showValue(c.to))}</div>`).join("");
      what = `observed <code>${escapeHtml(e.trigger ?? "")}</code>${changes || ' <span class="empty">(no change)</span>'}`;
    } else if (e.kind === "action") {
      what = `action <b>${escapeHtml(e.action)}</b> (${escapeHtml(e.source ?? "?")}${e.actor ? `, ${escapeHtml(e.actor)}` : ""})${e.reason ? `<div class="change">reason: ${escapeHtml(e.reason)}</div>` : ""}`;
    } else {
      what = `outcome <b>${escapeHtml(e.result)}</b>${e.detail ? ` ${escapeHtml(e.detail)}` : ""}${e.source ? ` (${escapeHtml(e.source)})` : ""}${e.resolutionHours !== undefined ? `, ${e.resolutionHours.toFixed(1)} h after opening` : ""}`;
    }
    return `<tr class="kind-${e.kind}"><td><time>${escapeHtml(e.time)}</time></td><td>${what}</td></tr>`;
  });
  return `<table class="timeline"><thead><tr><th>time (UTC)</th><th>what</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

/** `timeline --html`: one PR's page, its chart and its table, self-contained like the report. */
export function renderTimelinePage(timeline: Timeline, sourceLabel: string, now: Date): string {
  const chart = timelineChart(timeline);
  return renderPage({
    title: `${timeline.repo}#${timeline.pr}: timeline`,
    subtitle: `From the ${sourceLabel}, ${now.toISOString()}. Each observation shows the fields that changed since the previous one.`,
    body: `${chartFigure(chart)}\n${timelineTable(timeline)}`,
    charts: [chart],
  });
}

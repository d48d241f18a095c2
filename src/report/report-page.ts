import type { GroupStats, OutcomeFigures, Stats } from "../dataset/compute-stats.js";
import { chartFigure, escapeHtml, renderPage, type ChartSpec } from "./html-page.js";
import type { ReportData } from "./report-data.js";
import { timelineTable } from "./timeline-page.js";

const pct = (x: number) => `${Math.round(x * 100)}%`;
const h = (x: number) => `${x.toFixed(1)} h`;

/** Rate bars of the groups with a known outcome, and the reading naming the best and the worst. */
function rateChart(id: string, title: string, groups: Array<OutcomeFigures & { key: string }>, noun: string): ChartSpec {
  const known = groups.filter((g) => g.resolved > 0 && g.successRate !== null);
  const data = known.map((g) => ({ key: g.key, rate: g.successRate!, low: g.wilson95?.low ?? null, high: g.wilson95?.high ?? null, n: g.resolved }));
  let reading = `No ${noun} has a known outcome in this window yet (open PRs are not counted as failures).`;
  if (known.length) {
    const sorted = [...known].sort((a, b) => b.successRate! - a.successRate! || b.resolved - a.resolved);
    const say = (g: (typeof known)[number]) =>
      `${g.key} ${g.success} of ${g.resolved} resolved PRs (${pct(g.successRate!)}${g.wilson95 ? `, 95% interval ${pct(g.wilson95.low)}–${pct(g.wilson95.high)}` : ""})`;
    reading = sorted.length === 1 ? `Only ${say(sorted[0]!)} has a known outcome.` : `Best: ${say(sorted[0]!)}; worst: ${say(sorted.at(-1)!)}.`;
  }
  return { id, title, reading, marks: data.length, plot: { type: "rate", data, label: "PRs ending in success (bar), Wilson 95% interval (line)" } };
}

function hoursChart(stats: Stats, data: ReportData): ChartSpec {
  const medians = stats.actions.filter((a) => a.hoursToOutcome).map((a) => ({ key: a.action, value: a.hoursToOutcome!.median }));
  const slowest = [...stats.actions].filter((a) => a.hoursToOutcome).sort((a, b) => b.hoursToOutcome!.median - a.hoursToOutcome!.median);
  const reading = slowest.length
    ? `Slowest to an outcome: ${slowest[0]!.action}, median ${h(slowest[0]!.hoursToOutcome!.median)} (90% within ${h(slowest[0]!.hoursToOutcome!.p90)}, n=${slowest[0]!.hoursToOutcome!.n})` +
      (slowest.length > 1 ? `; fastest: ${slowest.at(-1)!.action}, median ${h(slowest.at(-1)!.hoursToOutcome!.median)}.` : ".")
    : "No action has been followed by an outcome in this window yet.";
  return {
    id: "hours-to-outcome",
    title: "Hours from action to outcome, by action type (one dot per PR; red tick: median)",
    reading,
    marks: data.hoursToOutcome.length,
    plot: { type: "distribution", data: data.hoursToOutcome.map((x) => ({ key: x.action, value: x.hours })), medians, label: "hours from the first such action to the PR's outcome" },
  };
}

function stateChart(data: ReportData): ChartSpec {
  const rows = [...data.mergeStateHours.map((s) => ({ key: s.state, value: s.hours })), ...(data.draftHours > 0 ? [{ key: "(in draft)", value: data.draftHours }] : [])];
  const total = data.mergeStateHours.reduce((a, s) => a + s.hours, 0);
  const top = data.mergeStateHours[0];
  return {
    id: "merge-states",
    title: "Hours open PRs spent in each merge state, and in draft",
    reading: top
      ? `Open PRs spent most of their time ${top.state}: ${h(top.hours)} of ${h(total)} (${pct(top.hours / total)}); ${h(data.draftHours)} in draft.`
      : "No open PR was observed in this window.",
    marks: rows.length,
    plot: { type: "bars", data: rows, label: "hours (all PRs together)" },
  };
}

function funnelChart(data: ReportData): ChartSpec {
  const [opened, ready, approved, merged] = data.funnel;
  const gap = (s: (typeof data.funnel)[number] | undefined) => (s?.medianHours === null || s === undefined ? "" : ` (median ${h(s.medianHours)} after the previous step)`);
  return {
    id: "funnel",
    title: "Funnel: opened → ready for review → approved → merged (PRs first seen in the window)",
    reading: `${opened!.prs} opened, ${ready!.prs} ready for review${gap(ready)}, ${approved!.prs} approved${gap(approved)}, ${merged!.prs} merged${gap(merged)}.`,
    marks: data.funnel.length,
    plot: { type: "bars", data: data.funnel.map((s) => ({ key: s.step, value: s.prs })), label: "PRs" },
  };
}

function volumeChart(data: ReportData): ChartSpec {
  const total = (name: string) => data.volume.filter((v) => v.series === name).reduce((a, v) => a + v.value, 0);
  const days = new Set(data.volume.map((v) => v.day));
  return {
    id: "volume",
    title: "Points per day: observations, actions, outcomes",
    reading: days.size
      ? `${total("observations")} observations, ${total("actions")} actions and ${total("outcomes")} outcomes on ${days.size} day(s).`
      : "Nothing was recorded in this window.",
    marks: data.volume.length,
    plot: { type: "stacked-days", data: data.volume, label: "points" },
  };
}

function lossChart(data: ReportData): ChartSpec {
  const all = data.outcomesBySource.reduce((a, v) => a + v.value, 0);
  const swept = data.outcomesBySource.filter((v) => v.series === "sweep").reduce((a, v) => a + v.value, 0);
  return {
    id: "webhook-loss",
    title: "Outcomes per day by source (sweep: closes the webhooks missed)",
    reading: all ? `${swept} of ${all} outcomes (${pct(swept / all)}) were recorded by the sweep: the webhook loss the sweeps measured.` : "No outcome was recorded in this window.",
    marks: data.outcomesBySource.length,
    plot: { type: "stacked-days", data: data.outcomesBySource, label: "outcomes" },
  };
}

const anchor = (i: number) => `timeline-${i}`;

function prLists(data: ReportData): string {
  const index = new Map(data.timelines.map((t, i) => [`${t.repo}#${t.pr}`, i]));
  const link = (repo: string, pr: number) => `<a href="#${anchor(index.get(`${repo}#${pr}`)!)}">${escapeHtml(`${repo}#${pr}`)}</a>`;
  const slowest = data.slowestOpen.length
    ? `<table><thead><tr><th>PR</th><th>author</th><th>open for</th><th>merge state</th><th>actions</th></tr></thead><tbody>${data.slowestOpen
        .map((p) => `<tr><td>${link(p.repo, p.pr)}</td><td>${escapeHtml(p.author)}</td><td class="num">${h(p.openHours)}</td><td>${escapeHtml(p.mergeState)}</td><td class="num">${p.actions}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="empty">No open PR.</p>`;
  const attempts = data.mostAttempts.length
    ? `<table><thead><tr><th>PR</th><th>actions</th><th>outcome</th></tr></thead><tbody>${data.mostAttempts
        .map((p) => `<tr><td>${link(p.repo, p.pr)}</td><td class="num">${p.actions}</td><td>${escapeHtml(p.outcome ?? "(open)")}</td></tr>`)
        .join("")}</tbody></table>`
    : `<p class="empty">No action was recorded.</p>`;
  const timelines = data.timelines
    .map((t, i) => `<details id="${anchor(i)}"><summary>${escapeHtml(`${t.repo}#${t.pr}`)}: timeline (<code>pr-telemetry timeline ${escapeHtml(`${t.repo}#${t.pr}`)}</code>)</summary>${timelineTable(t)}</details>`)
    .join("\n");
  return `<h2>The slowest open PRs</h2>\n${slowest}\n<h2>The PRs with the most attempts</h2>\n${attempts}\n<h2>Their timelines</h2>\n${timelines || '<p class="empty">None.</p>'}`;
}

/**
 * The report page: every figure of the success and hours panels is `stats` as computeStats gives
 * it (the same code as `stats --json`, embedded whole in the page's data), the rest is `data`.
 */
export function renderReportPage(stats: Stats, data: ReportData, meta: { source: string; now: Date; repos: string[] }): string {
  const agents = stats.agents.map((g: GroupStats) => ({ ...g, key: g.key.startsWith("(") ? g.key : `${g.key} (${g.author_kind ?? "unknown"})` }));
  const charts: ChartSpec[] = [
    rateChart("success-by-action", "Success rate by action type", stats.actions.map((a) => ({ ...a, key: a.action })), "action"),
    rateChart("success-by-agent", "Success rate by agent (author kind)", agents, "agent"),
    hoursChart(stats, data),
    stateChart(data),
    funnelChart(data),
    volumeChart(data),
    lossChart(data),
  ];
  const sections: Array<[string, string[]]> = [
    ["Which actions work, and for which agent?", ["success-by-action", "success-by-agent", "hours-to-outcome"]],
    ["Where do PRs wait?", ["merge-states", "funnel"]],
    ["Volume and webhook loss", ["volume", "webhook-loss"]],
  ];
  const byId = new Map(charts.map((c) => [c.id, c]));
  const body = sections.map(([title, ids]) => `<h2>${escapeHtml(title)}</h2>\n${ids.map((id) => chartFigure(byId.get(id)!)).join("\n")}`).join("\n") + "\n" + prLists(data);
  const window = `${stats.since ?? "the beginning"} to ${stats.until ?? meta.now.toISOString()}`;
  return renderPage({
    title: "pr-telemetry report",
    subtitle: `From the ${meta.source}, ${window}${meta.repos.length ? `, ${meta.repos.join(", ")}` : ""}. Success: the PR's latest outcome after the action; open PRs are not counted as failures.`,
    body,
    charts,
    data: { stats },
  });
}

import type { OutcomeFigures, Stats } from "./compute-stats.js";

/** Left-aligned text columns, numbers right-aligned. */
function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || r[i] === "-"));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) => "  " + r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd())
    .join("\n");
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const percent = (x: number | null) => (x === null ? "-" : `${round(x * 100, 1)}%`);

const FIGURE_HEADERS = ["taken", "PRs", "resolved", "success", "success rate", "95% CI", "open", "mean hours", "median hours", "to outcome (median/p90 h)", "improved 24h"];

function figureCells(a: OutcomeFigures): Array<string | number> {
  return [
    a.taken,
    a.prs,
    a.resolved,
    a.success,
    percent(a.successRate),
    a.wilson95 ? `${percent(a.wilson95.low)}-${percent(a.wilson95.high)}` : "-",
    a.open,
    a.resolutionHours ? round(a.resolutionHours.mean) : "-",
    a.resolutionHours ? round(a.resolutionHours.median) : "-",
    a.hoursToOutcome ? `${round(a.hoursToOutcome.median)}/${round(a.hoursToOutcome.p90)}` : "-",
    percent(a.improvedWithin24h),
  ];
}

/** The readable report `stats` prints without --json. */
export function formatStats(stats: Stats): string {
  const window = `${stats.since ?? "the first point"} to ${stats.until ?? "now"}`;
  const out: string[] = [`Window: ${window}`, ""];
  out.push(`Observations per PR (${stats.observations.total} observations of ${stats.observations.prs} PRs)`);
  out.push(
    stats.observations.prs
      ? table(
          ["repo", "pr", "observations", "first seen", "last seen"],
          stats.observations.perPr.map((p) => [p.repo, p.pr, p.count, p.first, p.last]),
        )
      : "  (none)",
  );
  out.push("", "Actions by type (success rate = PRs whose latest outcome after the action is success / PRs with an outcome)");
  out.push(stats.actions.length ? table(["action", ...FIGURE_HEADERS], stats.actions.map((a) => [a.action, ...figureCells(a)])) : "  (none)");
  out.push("", "By agent (the PR author: an agent's name, an unknown bot's login, (human))");
  out.push(stats.agents.length ? table(["agent", "kind", ...FIGURE_HEADERS], stats.agents.map((a) => [a.key, a.author_kind ?? "-", ...figureCells(a)])) : "  (none)");
  out.push("", "By repository");
  out.push(stats.repos.length ? table(["repo", ...FIGURE_HEADERS], stats.repos.map((a) => [a.key, ...figureCells(a)])) : "  (none)");
  out.push(
    "",
    "  95% CI: Wilson interval of the success rate; to outcome: hours from the action to the outcome (median, p90);",
    "  improved 24h: share of the actions followed within 24 h by checks or threads reaching 0, mergeable, CLEAN or a new approval.",
  );
  out.push("", "Outcomes (PRs by their latest outcome)");
  out.push(stats.outcomes.length ? table(["result", "PRs"], stats.outcomes.map((o) => [o.result, o.prs])) : "  (none)");
  return out.join("\n") + "\n";
}

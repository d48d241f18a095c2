import type { Stats } from "./compute-stats.js";

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
  out.push(
    stats.actions.length
      ? table(
          ["action", "taken", "PRs", "resolved", "success", "success rate", "open", "mean hours", "median hours"],
          stats.actions.map((a) => [
            a.action,
            a.taken,
            a.prs,
            a.resolved,
            a.success,
            a.successRate === null ? "-" : `${round(a.successRate * 100, 1)}%`,
            a.open,
            a.resolutionHours ? round(a.resolutionHours.mean) : "-",
            a.resolutionHours ? round(a.resolutionHours.median) : "-",
          ]),
        )
      : "  (none)",
  );
  out.push("", "Outcomes (PRs by their latest outcome)");
  out.push(stats.outcomes.length ? table(["result", "PRs"], stats.outcomes.map((o) => [o.result, o.prs])) : "  (none)");
  return out.join("\n") + "\n";
}

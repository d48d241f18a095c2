import type { FieldChange, Timeline } from "./pr-timeline.js";

/** ANSI colours, used only when the output is a terminal. */
const COLOURS = { dim: "\x1b[2m", observation: "\x1b[36m", action: "\x1b[33m", outcome: "\x1b[32m", failed: "\x1b[31m", reset: "\x1b[0m" } as const;

/** One value as the timeline prints it: strings quoted so an empty or spaced one can be seen. */
export function showValue(v: FieldChange["from"]): string {
  return v === undefined ? "∅" : typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * Control characters of a stored string (a reason is free text) would move the cursor or
 * recolour the terminal: they are shown escaped.
 */
function safe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\n" ? "⏎" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** The timeline as terminal text, one entry a line (changes indented below); colours only when `color`. */
export function formatTimeline(timeline: Timeline, options: { color: boolean }): string {
  const c = (name: keyof typeof COLOURS, s: string) => (options.color ? `${COLOURS[name]}${s}${COLOURS.reset}` : s);
  const lines = [`${timeline.repo}#${timeline.pr}: ${timeline.entries.length} entries`];
  if (timeline.entries.length === 0) lines.push("  nothing recorded for this pull request (check the repository and number, and --from)");
  for (const e of timeline.entries) {
    const at = c("dim", e.time.replace("T", " ").replace(/\.000Z$/, "Z"));
    if (e.kind === "observation") {
      lines.push(`${at}  ${c("observation", "observed")} ${safe(e.trigger ?? "")}${e.changes.length ? "" : c("dim", "  (no change)")}`);
      for (const ch of e.changes) lines.push(`    ${safe(ch.field)}: ${safe(showValue(ch.from))} → ${safe(showValue(ch.to))}`);
    } else if (e.kind === "action") {
      lines.push(`${at}  ${c("action", "action")} ${safe(e.action)}${e.source ? ` (${safe(e.source)}${e.actor ? `, ${safe(e.actor)}` : ""})` : ""}`);
      if (e.reason) lines.push(`    reason: ${safe(e.reason)}`);
    } else {
      const hours = e.resolutionHours === undefined ? "" : `, ${e.resolutionHours.toFixed(1)} h after opening`;
      lines.push(`${at}  ${c(e.result === "success" ? "outcome" : "failed", `outcome ${safe(e.result)}`)}${e.detail ? ` ${safe(e.detail)}` : ""}${e.source ? ` (${safe(e.source)}${hours})` : hours}`);
    }
  }
  return lines.join("\n") + "\n";
}

import { cpus, loadavg } from "node:os";
import { writeFile } from "node:fs/promises";
import { scenarios } from "./scenarios.js";
import type { BenchFigure } from "./scenario.js";

// `npm run bench [-- --quick] [-- name...]`: runs the scenarios on loopback, prints a table and
// writes bench/results.json. BENCHMARKS.md explains each figure and records the latest run.
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const environment = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? "unknown",
  loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  quick,
};
const results: Array<{ scenario: string; issue: number; seconds: number; figures: BenchFigure[]; error?: string }> = [];
let failed = false;
process.stdout.write(`node ${environment.node}, ${environment.cpus} CPUs (${environment.cpuModel}), load ${environment.loadAverageAtStart.join(" ")}${quick ? ", quick" : ""}\n\n`);
process.stdout.write(row(["scenario", "figure", "median", "spread (n)", "vs baseline", "target"]) + "\n");
process.stdout.write(row(["-", "-", "-", "-", "-", "-"].map(() => "---")) + "\n");
for (const scenario of scenarios) {
  if (only.length && !only.some((o) => scenario.name.includes(o))) continue;
  process.stderr.write(`bench: ${scenario.name} ...\n`);
  const started = Date.now();
  try {
    const figures = await scenario.run({ quick });
    results.push({ scenario: scenario.name, issue: scenario.issue, seconds: Math.round((Date.now() - started) / 1000), figures });
    for (const f of figures) {
      const ratio = f.ratio !== undefined ? `${f.ratio.toFixed(2)}x ${f.baseline?.name} (${fmt(f.baseline!.median)})` : f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.median)}` : "";
      const target = f.target ? `${f.target}${f.met === undefined ? "" : f.met ? " met" : " NOT met"}` : "";
      process.stdout.write(row([scenario.name, f.name, `${fmt(f.median)} ${f.unit}`, `${fmt(f.min)}..${fmt(f.max)} (${f.runs})`, ratio, target]) + "\n");
    }
  } catch (err) {
    // One scenario failing (e.g. a feature not built yet) must not hide the others' figures.
    failed = true;
    const message = (err as Error).message.split("\n").slice(0, 5).join(" | ");
    results.push({ scenario: scenario.name, issue: scenario.issue, seconds: Math.round((Date.now() - started) / 1000), figures: [], error: message });
    process.stdout.write(row([scenario.name, "FAILED", message.slice(0, 120), "", "", ""]) + "\n");
  }
}
const notes = results.flatMap((r) => r.figures.filter((f) => f.note).map((f) => `- ${r.scenario} / ${f.name}: ${f.note}`));
if (notes.length) process.stdout.write(`\n${notes.join("\n")}\n`);
await writeFile(
  new URL("./results.json", import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), environment: { ...environment, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) }, results }, null, 2) + "\n",
);
process.exitCode = failed ? 1 : 0;

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

import { writeFile } from "node:fs/promises";
import { scenarios } from "./scenarios.js";
import type { BenchFigure } from "./scenario.js";

// `npm run bench [-- --quick] [-- name...]`: runs the scenarios on loopback, prints a table and
// writes bench/results.json. BENCHMARKS.md explains each figure and records the latest run.
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
const results: Array<{ scenario: string; issue: number; figures: BenchFigure[] }> = [];
for (const scenario of scenarios) {
  if (only.length && !only.some((o) => scenario.name.includes(o))) continue;
  process.stderr.write(`bench: ${scenario.name} ...\n`);
  const figures = await scenario.run({ quick });
  results.push({ scenario: scenario.name, issue: scenario.issue, figures });
  for (const f of figures) {
    const ratio = f.ratio !== undefined ? ` ratio ${f.ratio.toFixed(2)}x vs ${f.baseline?.name}` : "";
    const target = f.target ? ` target ${f.target}${f.met === undefined ? "" : f.met ? " (met)" : " (NOT met)"}` : "";
    process.stdout.write(
      `${scenario.name.padEnd(28)} ${f.name.padEnd(44)} ${fmt(f.median)} ${f.unit} [${fmt(f.min)}..${fmt(f.max)}, n=${f.runs}]${ratio}${target}\n`,
    );
  }
}
await writeFile(new URL("./results.json", import.meta.url), JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + "\n");

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

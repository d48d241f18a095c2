import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { figure, median, type BenchFigure, type BenchScenario } from "../scenario.js";
import { writeJournal } from "./export.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface ChildResult {
  seconds: number;
  maxRssMb: number;
  rows: number;
}

/** Runs `code` (an ES module body that prints {seconds, rows}) in a child node; adds its peak RSS. */
function inChild(dataDir: string, code: string, nodeArgs: string[] = []): Promise<ChildResult> {
  const wrapped = `${code}
process.stdout.write(JSON.stringify({ ...result, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", wrapped], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: dataDir, DATA_DIR: dataDir, TMPDIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(JSON.parse(stdout) as ChildResult);
      } catch (err) {
        reject(new Error(`${(err as Error).message}; stderr: ${stderr.slice(-500)}`));
      }
    });
  });
}

/** The built CLI's schema-2 export to `out` in `format`. */
function exportCode(out: string, format: "jsonl" | "parquet"): string {
  const cli = pathToFileURL(join(ROOT, "dist/cli/run-cli.js")).href;
  return `const { runCli } = await import(${JSON.stringify(cli)});
const t0 = performance.now();
const code = await runCli(["export", "--from", "journal", "--schema", "2", "--format", "${format}", "--out", ${JSON.stringify(out)}]);
if (code !== 0) throw new Error("export exited " + code);
const result = { seconds: (performance.now() - t0) / 1000, rows: 0 };`;
}

/**
 * The baseline: DuckDB reading the same journal and pairing each action with the PR's newest
 * observation at or before it (ASOF JOIN) and its latest outcome at or after it, written as JSON
 * lines. It does less than the export (no dedup, no history, no labels): the issue's yardstick.
 */
function duckdbCode(journal: string, out: string): string {
  return `const { DuckDBInstance } = await import("@duckdb/node-api");
const t0 = performance.now();
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
await c.run(\`CREATE TEMP TABLE pts AS SELECT measurement, CAST(time AS TIMESTAMP) AS t, tags.repo AS repo, CAST(tags.pr AS INTEGER) AS pr, tags.author AS author, fields
  FROM read_json('${journal}/*.jsonl', format = 'newline_delimited', columns = {measurement: 'VARCHAR', time: 'VARCHAR', tags: 'STRUCT(repo VARCHAR, pr VARCHAR, author VARCHAR)', fields: 'JSON'})\`);
await c.run(\`COPY (
  WITH obs AS (SELECT repo, pr, t, author, fields FROM pts WHERE measurement = 'pr_observation'),
       act AS (SELECT repo, pr, t, fields FROM pts WHERE measurement = 'action_taken'),
       outc AS (SELECT repo, pr, max(t) AS ot, arg_max(fields, t) AS ofields FROM pts WHERE measurement = 'outcome' GROUP BY repo, pr)
  SELECT a.repo, a.pr, a.t AS time, a.fields AS action, o.author, o.fields AS signals, o.t AS signals_time, outc.ofields AS outcome, outc.ot AS outcome_time
  FROM act a
  ASOF LEFT JOIN obs o ON a.repo = o.repo AND a.pr = o.pr AND a.t >= o.t
  LEFT JOIN outc ON outc.repo = a.repo AND outc.pr = a.pr AND outc.ot >= a.t
  ORDER BY a.repo, a.pr, a.t
) TO '${out}' (FORMAT json)\`);
const rows = Number((await c.runAndReadAll("SELECT count(*) AS n FROM pts WHERE measurement = 'action_taken'")).getRows()[0][0]);
c.closeSync();
const result = { seconds: (performance.now() - t0) / 1000, rows };`;
}

/** Issue 13: the schema-2 export (JSON lines and Parquet) against DuckDB's ASOF JOIN over the same journal. */
export const learningExportScenario: BenchScenario = {
  name: "learning export",
  issue: 13,
  async run({ quick }) {
    const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
    // One run per figure: a 1M-point round (three exports and DuckDB) takes minutes on the shared 2-core host.
    const runs = quick ? 1 : Number(process.env.BENCH_LEARNING_RUNS ?? 1);
    const sizes = quick ? [100_000, 300_000] : [100_000, 1_000_000];
    const figures: BenchFigure[] = [];
    const rss: Record<string, Record<number, number>> = { jsonl: {}, parquet: {}, duckdb: {}, "jsonl, heap capped": {}, "parquet, heap capped": {} };
    for (const size of sizes) {
      const dir = await mkdtemp(join(tmpdir(), "bench-learning-"));
      try {
        const journal = join(dir, "journal");
        await writeJournal(journal, size);
        const bytes = (await stat(join(journal, "2026-02-05.jsonl"))).size;
        const label = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
        const measured: Record<string, { rates: number[]; rss: number[] }> = { jsonl: { rates: [], rss: [] }, parquet: { rates: [], rss: [] }, duckdb: { rates: [], rss: [] } };
        // Interleaved, so a busy neighbour slows all three alike.
        for (let i = 0; i < runs; i++) {
          for (const format of ["jsonl", "parquet"] as const) {
            const r = await inChild(dir, exportCode(join(dir, `export.${format}`), format));
            measured[format]!.rates.push(size / r.seconds);
            measured[format]!.rss.push(r.maxRssMb);
          }
          const d = await inChild(dir, duckdbCode(journal, join(dir, "duckdb.jsonl")));
          measured.duckdb!.rates.push(size / d.seconds);
          measured.duckdb!.rss.push(d.maxRssMb);
        }
        const duckRate = median(measured.duckdb!.rates);
        const duckRss = median(measured.duckdb!.rss);
        figures.push(
          figure(`DuckDB ASOF JOIN, ${label} points`, "points/s", measured.duckdb!.rates, {
            note: `${(bytes / 1e6).toFixed(0)} MB of journal; read_json + ASOF JOIN + latest outcome + COPY TO json, in a child; peak RSS ${duckRss.toFixed(0)} MB`,
          }),
        );
        figures.push(figure(`DuckDB peak RSS, ${label} points`, "MB", measured.duckdb!.rss));
        rss.duckdb![size] = duckRss;
        for (const format of ["jsonl", "parquet"] as const) {
          const rate = median(measured[format]!.rates);
          const peak = median(measured[format]!.rss);
          rss[format]![size] = peak;
          figures.push(
            figure(`schema-2 export ${label} points (${format})`, "points/s", measured[format]!.rates, {
              baseline: { name: "DuckDB", median: duckRate },
              ratio: rate / duckRate,
              target: ">= DuckDB's points/s",
              met: rate >= duckRate,
              note: "wall time of `export --schema 2` in a child process",
            }),
          );
          figures.push(
            figure(`schema-2 export peak RSS, ${label} points (${format})`, "MB", measured[format]!.rss, {
              baseline: { name: "DuckDB", median: duckRss },
              ratio: peak / duckRss,
              target: "<= 1/4 of DuckDB's peak RSS",
              met: peak <= duckRss / 4,
            }),
          );
        }
        // Once more with V8's heap capped at 128 MB: memory is bounded if it finishes, and its RSS
        // says what the export keeps rather than how lazily V8 collects garbage. A failure (out of
        // memory) is recorded, not thrown: the other figures stand.
        for (const format of ["jsonl", "parquet"] as const) {
          try {
            const r = await inChild(dir, exportCode(join(dir, `export.${format}`), format), ["--max-old-space-size=128"]);
            rss[`${format}, heap capped`]![size] = r.maxRssMb;
            figures.push(
              figure(`schema-2 export peak RSS, ${label} points (${format}), heap capped at 128 MB`, "MB", [r.maxRssMb], {
                baseline: { name: "DuckDB", median: duckRss },
                ratio: r.maxRssMb / duckRss,
                target: "<= 1/4 of DuckDB's peak RSS",
                met: r.maxRssMb <= duckRss / 4,
                note: `finished in ${r.seconds.toFixed(1)} s (${Math.round(size / r.seconds)} points/s)`,
              }),
            );
          } catch (err) {
            figures.push(figure(`schema-2 export, ${label} points (${format}), heap capped at 128 MB`, "MB", [NaN], { note: `FAILED: ${(err as Error).message.slice(0, 160)}` }));
          }
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const [small, large] = sizes as [number, number];
    for (const format of ["jsonl", "parquet", "jsonl, heap capped", "parquet, heap capped", "duckdb"] as const) {
      if (rss[format]![large] === undefined || rss[format]![small] === undefined) continue;
      const ratio = rss[format]![large]! / rss[format]![small]!;
      figures.push(
        figure(`peak RSS growth ${large / small}x input (${format})`, "ratio", [ratio], {
          baseline: { name: `peak RSS at ${small / 1000}k points`, median: rss[format]![small]! },
          ratio,
          target: format === "duckdb" ? undefined : "flat (about 1x)",
          met: format === "duckdb" ? undefined : ratio < 1.5,
        }),
      );
    }
    return figures;
  },
};

import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Config } from "../config.js";
import { InputError } from "../errors.js";
import { datasetCard } from "./dataset-card.js";
import { emptyExportCounts, exportLines, KIND_MEASUREMENT, type ExportCounts, type ExportKind, type SchemaVersion } from "./export-lines.js";
import { openPointSource, type SourceName } from "./open-point-source.js";
import type { SortCounts } from "./sorted-points.js";
import { UnreadableLines } from "./unreadable-lines.js";
import { isSpecialFile, siblingPath, writeExport, type ExportFormat, type WriteResult } from "./write-export.js";

export interface ExportOptions {
  kind: ExportKind;
  /** Examples' schema (default 2); 1 writes the frozen schema-1 lines. */
  schema?: SchemaVersion | undefined;
  format?: ExportFormat | undefined;
  /** Agent logins beyond the default map. */
  agents?: Record<string, string> | undefined;
  from?: SourceName | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  repos: string[];
  /** A file, or "-" for stdout. */
  out: string;
  split?: [number, number, number] | undefined;
  tmpDir?: string | undefined;
  runBytes?: number | undefined;
  now?: Date | undefined;
}

export interface ExportSummary {
  kind: ExportKind;
  schema: SchemaVersion;
  source: string;
  counts: ExportCounts;
  written: WriteResult;
  /** The dataset card's path, when the export went to files. */
  card: string | undefined;
  skippedLines: number;
  seconds: number;
}

/**
 * Runs an export end to end: reads the store once (streamed), writes the lines (stdout, a file
 * or a split) and, beside files, the dataset card. `stdout` takes the lines when `out` is "-";
 * `onProgress` is called as points are read.
 */
export async function exportDataset(
  config: Config,
  options: ExportOptions,
  io: { stdout: (text: string) => void; onProgress?: ((counts: SortCounts) => void) | undefined },
): Promise<ExportSummary> {
  if (options.split && options.out === "-") {
    throw new InputError("--split writes three files: name the export with --out FILE (e.g. --out data/export.jsonl)", "split");
  }
  const schema = options.schema ?? 2;
  const format = options.format ?? "jsonl";
  if (format === "parquet" && !(options.kind === "examples" && schema === 2)) {
    throw new InputError("--format parquet writes schema-2 examples only: use --kind examples (and --schema 2), or --format jsonl", "format");
  }
  if (format === "parquet" && options.out === "-") {
    throw new InputError("--format parquet writes a file: name it with --out FILE (e.g. --out data/export.parquet)", "out");
  }
  const started = performance.now();
  const unreadable = new UnreadableLines();
  const source = openPointSource(config, options.from, unreadable.skipped);
  const counts = emptyExportCounts();
  let written: WriteResult;
  try {
    // Examples look up signals and outcomes in all the data up to --until; --since selects actions.
    const range = {
      until: options.until,
      repos: options.repos.length ? options.repos : undefined,
      since: options.kind === "examples" ? undefined : options.since,
      measurements: options.kind === "examples" ? ["pr_observation", "action_taken", "outcome"] : [KIND_MEASUREMENT[options.kind]],
    };
    const lines = exportLines(
      source.read(range),
      { kind: options.kind, schema, agents: options.agents, since: options.since, tmpDir: options.tmpDir, runBytes: options.runBytes, onProgress: io.onProgress, unreadable },
      counts,
    );
    written = await writeExport(lines, { out: options.out, split: options.split, stdout: io.stdout, tmpDir: options.tmpDir, format });
  } finally {
    unreadable.close();
    await source.close();
  }
  const skippedLines = unreadable.count;
  let card: string | undefined;
  // Only beside regular files: not /dev/null.card.md.
  if (options.out !== "-" && (options.split || !(await isSpecialFile(options.out)))) {
    card = siblingPath(options.out, "card.md");
    const text = datasetCard({
      kind: options.kind,
      schema,
      format,
      from: source.label,
      since: options.since,
      until: options.until,
      repos: options.repos,
      generatedAt: options.now ?? new Date(),
      counts,
      unreadable: skippedLines,
      written,
      files: written.files.map((f) => basename(f)),
    });
    await writeFile(card, text);
  }
  return { kind: options.kind, schema, source: source.label, counts, written, card, skippedLines, seconds: (performance.now() - started) / 1000 };
}

const n = (x: number) => x.toLocaleString("en-US");

/** The summary `export` prints on stderr. */
export function formatExportSummary(s: ExportSummary): string {
  const c = s.counts;
  const what = s.kind === "examples" ? `${n(c.examples)} examples` : `${n(c.lines)} ${s.kind}`;
  const lines = [`export: ${what} of ${n(c.prs)} PRs from ${n(c.read)} points (${s.source})`];
  if (s.kind === "examples") lines.push(`  censored (no outcome yet): ${n(c.censored)}; without signals: ${n(c.withoutSignals)}`);
  lines.push(
    `  duplicates collapsed: ${n(c.duplicates)}; points without repo/pr tags: ${n(c.withoutPr)}; unreadable lines skipped: ${n(s.skippedLines)}`,
  );
  if (s.written.splits) {
    for (const [name, split] of Object.entries(s.written.splits)) {
      lines.push(`  ${name}: ${n(split.lines)} lines, ${n(split.prs)} PRs -> ${split.file}`);
    }
  } else if (s.written.files.length) {
    lines.push(`  wrote ${s.written.files.join(", ")}`);
  }
  if (s.card) lines.push(`  dataset card: ${s.card}`);
  const rate = s.seconds > 0 ? ` (${n(Math.round(c.read / s.seconds))} points/s)` : "";
  lines.push(`  took ${s.seconds.toFixed(1)} s${rate}`);
  return lines.join("\n") + "\n";
}

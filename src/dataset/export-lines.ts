import type { Point } from "../store/point.js";
import { buildExamples, examplesProjection, type ExampleCounts } from "./build-examples.js";
import { buildLearningExamples, learningProjection, type HorizonKey, type LearningExample, type OutcomeClass } from "./build-learning-examples.js";
import { pivotPoint, rawProjection } from "./pivot-point.js";
import { sortedPoints, type SortCounts } from "./sorted-points.js";
import { UnreadableLines } from "./unreadable-lines.js";

/** What `export --kind` can write: examples, or the raw points of one measurement. */
export const EXPORT_KINDS = ["examples", "observations", "actions", "outcomes"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export const KIND_MEASUREMENT: Record<Exclude<ExportKind, "examples">, string> = {
  observations: "pr_observation",
  actions: "action_taken",
  outcomes: "outcome",
};

/** One output line with the PR it belongs to (for `--split`) and its time. */
export interface ExportLine {
  group: string;
  repo: string;
  pr: number;
  timeMs: number;
  line: string;
  /** The example itself (schema 2), for the Parquet writer. */
  row?: LearningExample | undefined;
}

export interface ExportCounts extends SortCounts, ExampleCounts {
  lines: number;
  prs: number;
  /** Schema-2 examples only: for the dataset card. */
  learning?: LearningCounts | undefined;
}

/** What the dataset card says of schema-2 examples: time range, censoring per horizon, outcome classes. */
export interface LearningCounts {
  firstTime: string | null;
  lastTime: string | null;
  censoredByHorizon: Record<HorizonKey, number>;
  outcomeClasses: Partial<Record<OutcomeClass, number>>;
}

/** The example line versions: 1 (signals and the PR's outcome, frozen) and 2 (features as of the action, labels). */
export const SCHEMAS = [1, 2] as const;
export type SchemaVersion = (typeof SCHEMAS)[number];

export interface ExportLinesOptions {
  kind: ExportKind;
  /** Examples' schema; 1 when not given (the CLI's default is 2). */
  schema?: SchemaVersion | undefined;
  /** Agent logins beyond the default map (schema 2). */
  agents?: Record<string, string> | undefined;
  /** Lines (examples: actions) before this are left out; the source is read from its start. */
  since?: Date | undefined;
  runBytes?: number | undefined;
  tmpDir?: string | undefined;
  onProgress?: ((counts: SortCounts) => void) | undefined;
  /** Counts lines found unreadable on the way (see UnreadableLines); the caller closes it. */
  unreadable?: UnreadableLines | undefined;
}

export function emptyExportCounts(): ExportCounts {
  return { read: 0, kept: 0, withoutPr: 0, duplicates: 0, examples: 0, censored: 0, withoutSignals: 0, lines: 0, prs: 0 };
}

/**
 * The export's lines, in (repo, pr, time) order, duplicates collapsed, in batches: a JSON object
 * a line (without the newline). Reads `source` once, in bounded memory (see sortedPoints).
 */
export async function* exportLines(
  /** Batches of points: readJournalBatches, or inBatches(store.read(range)). */
  source: AsyncIterable<Point[]>,
  options: ExportLinesOptions,
  counts: ExportCounts = emptyExportCounts(),
): AsyncGenerator<ExportLine[]> {
  const unreadable = options.unreadable ?? new UnreadableLines();
  const sortOptions = { runBytes: options.runBytes, tmpDir: options.tmpDir, onProgress: options.onProgress, unreadable };
  let lastGroup: string | undefined;
  const count = (line: ExportLine) => {
    counts.lines++;
    if (line.group !== lastGroup) {
      counts.prs++;
      lastGroup = line.group;
    }
  };
  if (options.kind === "examples" && options.schema === 2) {
    const records = sortedPoints(source, { ...sortOptions, project: learningProjection(options.since) }, counts);
    const learning: LearningCounts = (counts.learning = { firstTime: null, lastTime: null, censoredByHorizon: { h1: 0, h6: 0, h24: 0 }, outcomeClasses: {} });
    let batch: ExportLine[] = [];
    for await (const example of buildLearningExamples(records, counts, unreadable, { agents: options.agents })) {
      if (learning.firstTime === null || example.time < learning.firstTime) learning.firstTime = example.time;
      if (learning.lastTime === null || example.time > learning.lastTime) learning.lastTime = example.time;
      for (const key of ["h1", "h6", "h24"] as const) if (example.labels[key].censored) learning.censoredByHorizon[key]++;
      learning.outcomeClasses[example.outcome_class] = (learning.outcomeClasses[example.outcome_class] ?? 0) + 1;
      const line: ExportLine = {
        group: `${example.repo}#${example.pr}`,
        repo: example.repo,
        pr: example.pr,
        timeMs: Date.parse(example.time),
        line: JSON.stringify(example),
        row: example,
      };
      count(line);
      batch.push(line);
      if (batch.length >= 1024) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    return;
  }
  if (options.kind === "examples") {
    const records = sortedPoints(source, { ...sortOptions, project: examplesProjection(options.since) }, counts);
    let batch: ExportLine[] = [];
    for await (const example of buildExamples(records, counts, unreadable)) {
      const line: ExportLine = {
        group: `${example.repo}#${example.pr}`,
        repo: example.repo,
        pr: example.pr,
        timeMs: Date.parse(example.time),
        line: JSON.stringify(example),
      };
      count(line);
      batch.push(line);
      if (batch.length >= 1024) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    return;
  }
  const project = rawProjection(KIND_MEASUREMENT[options.kind], options.since);
  try {
    for await (const records of sortedPoints(source, { ...sortOptions, project }, counts)) {
      const batch: ExportLine[] = [];
      for (const r of records) {
        const point = unreadable.point(r.payload);
        if (!point) continue; // damaged inside its fields: skipped, counted
        const line: ExportLine = { group: r.group, repo: r.repo, pr: r.pr, timeMs: r.timeMs, line: JSON.stringify(pivotPoint(point)) };
        count(line);
        batch.push(line);
      }
      if (batch.length) yield batch;
    }
  } finally {
    if (!options.unreadable) unreadable.close();
  }
}

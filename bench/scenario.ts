/** One measured figure: a median over `runs` runs, with its spread and, where one exists, a baseline measured in the same run. */
export interface BenchFigure {
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  /** The baseline's median, measured in the same run (e.g. a bare Probot app, one request per point). */
  baseline?: { name: string; median: number } | undefined;
  /** median / baseline.median (or the inverse where smaller is better: say which in `note`). */
  ratio?: number | undefined;
  target?: string | undefined;
  /** Whether the target was met in this run. */
  met?: boolean | undefined;
  note?: string | undefined;
}

/** A benchmark scenario; bench/scenarios.ts lists them all. */
export interface BenchScenario {
  name: string;
  /** The issue whose targets it measures. */
  issue: number;
  run(options: { quick: boolean }): Promise<BenchFigure[]>;
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0..100), nearest-rank. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil((p / 100) * s.length) - 1);
  return s[Math.min(rank, s.length - 1)]!;
}

/** Builds a figure from repeated measurements. */
export function figure(name: string, unit: string, values: number[], extra: Partial<BenchFigure> = {}): BenchFigure {
  return { name, unit, median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length, ...extra };
}

import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rename, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileWriter, ParquetWriter, schemaFromColumnData } from "hyparquet-writer";
import { InputError, StoreError } from "../errors.js";
import type { LearningExample } from "./build-learning-examples.js";
import { LEARNING_COLUMNS, learningColumns } from "./learning-columns.js";
import type { ExportLine } from "./export-lines.js";
import { assignSplits, SPLIT_NAMES, type SplitName, type SplitPr } from "./parse-split.js";

export interface SplitCounts {
  prs: number;
  lines: number;
}

export interface WriteResult {
  /** Files written, in order (empty when writing to stdout). */
  files: string[];
  splits?: Record<SplitName, SplitCounts & { file: string }> | undefined;
}

/** What `export --format` writes: JSON lines, or a Parquet file (schema-2 examples only). */
export const FORMATS = ["jsonl", "parquet"] as const;
export type ExportFormat = (typeof FORMATS)[number];

/** `export.jsonl` -> `export.train.jsonl`; the card: `export.card.md` (`.parquet` likewise). */
export function siblingPath(out: string, part: string): string {
  const ext = [".jsonl", ".parquet"].find((e) => out.endsWith(e));
  const base = ext ? out.slice(0, -ext.length) : out;
  return `${base}.${part}`;
}

/** Where lines go: a JSON-lines file, or a Parquet file. */
interface Sink {
  readonly path: string;
  write(lines: ExportLine[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

class JsonlSink implements Sink {
  #file: OutputFile;
  constructor(readonly path: string, direct = false) {
    this.#file = new OutputFile(path, direct);
  }
  write(lines: ExportLine[]): Promise<void> {
    return this.#file.write(joinLines(lines));
  }
  commit(): Promise<void> {
    return this.#file.commit();
  }
  abort(): Promise<void> {
    return this.#file.abort();
  }
}

/** Rows buffered per row group: 10,000 examples (~2 KB each as objects) keep RSS flat whatever the export size. */
const PARQUET_ROW_GROUP = 10_000;

/**
 * A Parquet file written a row group at a time (hyparquet-writer's ParquetWriter over its
 * buffered file writer), under a temporary name renamed into place once complete.
 */
class ParquetSink implements Sink {
  readonly partial: string;
  #writer: ParquetWriter;
  #rows: LearningExample[] = [];
  constructor(readonly path: string, direct = false) {
    this.partial = direct ? path : `${path}.partial`;
    const columns = LEARNING_COLUMNS.map((c) => ({ name: c.name, data: [], type: c.type }));
    try {
      this.#writer = new ParquetWriter({ writer: fileWriter(this.partial), schema: schemaFromColumnData({ columnData: columns }), createdBy: "pr-telemetry" });
    } catch (err) {
      throw new StoreError(`cannot write ${path}: ${(err as Error).message}; check that its folder exists and is writable`);
    }
  }
  async write(lines: ExportLine[]): Promise<void> {
    for (const line of lines) {
      if (!line.row) throw new InputError("--format parquet writes schema-2 examples only: use --kind examples --schema 2, or --format jsonl", "format");
      this.#rows.push(line.row);
    }
    if (this.#rows.length >= PARQUET_ROW_GROUP) this.#flush();
  }
  #flush(): void {
    if (!this.#rows.length) return;
    const rows = this.#rows;
    this.#rows = [];
    try {
      void this.#writer.write({ columnData: learningColumns(rows) as never, rowGroupSize: rows.length });
    } catch (err) {
      throw new StoreError(`cannot write ${this.path}: ${(err as Error).message}`);
    }
  }
  async commit(): Promise<void> {
    this.#flush();
    this.#writer.finish();
    if (this.partial !== this.path) await rename(this.partial, this.path);
  }
  async abort(): Promise<void> {
    if (this.partial !== this.path) await unlink(this.partial).catch(() => undefined);
  }
}

function openSink(format: ExportFormat, path: string, direct = false): Sink {
  return format === "parquet" ? new ParquetSink(path, direct) : new JsonlSink(path, direct);
}

/**
 * A file written under a temporary name and renamed into place once complete; or, for a target
 * that exists and is not a regular file (/dev/null, a FIFO, /dev/stdout), written directly: a
 * rename would replace the device with a file.
 */
class OutputFile {
  readonly partial: string;
  #stream: WriteStream;
  #error: Error | undefined;

  constructor(
    readonly path: string,
    readonly direct = false,
  ) {
    this.partial = direct ? path : `${path}.partial`;
    this.#stream = createWriteStream(this.partial);
    this.#stream.on("error", (err) => (this.#error = err));
  }

  async write(text: string): Promise<void> {
    if (this.#error) throw this.#failure(this.#error);
    if (!this.#stream.write(text)) {
      // events.once removes both listeners whichever fires (a listener per wait would leak).
      await once(this.#stream, "drain").catch((err: Error) => {
        throw this.#failure(err);
      });
    }
  }

  async commit(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.#stream.end((err?: Error | null) => (err ? reject(this.#failure(err)) : resolve())));
    if (this.#error) throw this.#failure(this.#error);
    if (!this.direct) await rename(this.partial, this.path);
  }

  async abort(): Promise<void> {
    this.#stream.destroy();
    if (!this.direct) await unlink(this.partial).catch(() => undefined);
  }

  #failure(err: Error): StoreError {
    return new StoreError(`cannot write ${this.path}: ${err.message}; check that its folder exists and is writable`);
  }
}

/**
 * Writes the export: to stdout (`out` "-"), to one file, or with `split` to three files beside
 * `out` (see assignSplits). Files appear complete or not at all (written as .partial, renamed).
 * A split needs every PR's newest time before the first line is placed, so the lines go to a
 * temporary file first (the export is far smaller than the points it came from).
 */
export async function writeExport(
  lines: AsyncIterable<ExportLine[]>,
  target: { out: string; split?: [number, number, number] | undefined; stdout: (text: string) => void; tmpDir?: string | undefined; format?: ExportFormat | undefined },
): Promise<WriteResult> {
  const format = target.format ?? "jsonl";
  if (!target.split) {
    if (target.out === "-") {
      if (format === "parquet") throw new InputError("--format parquet writes a file: name it with --out FILE (e.g. --out data/export.parquet)", "out");
      for await (const batch of lines) target.stdout(joinLines(batch));
      return { files: [] };
    }
    const file = openSink(format, target.out, await isSpecialFile(target.out));
    try {
      for await (const batch of lines) await file.write(batch);
      await file.commit();
    } catch (err) {
      await file.abort();
      throw err;
    }
    return { files: [target.out] };
  }

  const dir = await mkdtemp(join(target.tmpDir ?? tmpdir(), "pr-telemetry-split-"));
  const files = SPLIT_NAMES.map((name) => openSink(format, siblingPath(target.out, `${name}.${format}`)));
  try {
    // Pass 1: each line tagged with its PR's index; the PRs' newest times.
    const prs: SplitPr[] = [];
    const perPr: number[] = [];
    let lastGroup: string | undefined;
    const staged = new OutputFile(join(dir, "lines.txt"));
    for await (const batch of lines) {
      let text = "";
      for (const line of batch) {
        if (format === "parquet" && !line.row) throw new InputError("--format parquet writes schema-2 examples only: use --kind examples --schema 2, or --format jsonl", "format");
        if (line.group !== lastGroup) {
          lastGroup = line.group;
          prs.push({ repo: line.repo, pr: line.pr, lastMs: line.timeMs });
          perPr.push(0);
        }
        const index = prs.length - 1;
        prs[index]!.lastMs = Math.max(prs[index]!.lastMs, line.timeMs);
        perPr[index]!++;
        text += `${index}\t${line.line}\n`;
      }
      await staged.write(text);
    }
    await staged.commit();
    // Pass 2: route each line to its PR's file.
    const assigned = assignSplits(prs, target.split);
    const fileOf: Record<SplitName, Sink> = { train: files[0]!, validation: files[1]!, test: files[2]! };
    const input = createInterface({ input: createReadStream(staged.path), crlfDelay: Infinity });
    for await (const row of input) {
      const tab = row.indexOf("\t");
      const text = row.slice(tab + 1);
      // The staged file holds the JSON lines: a Parquet split reads each one back into its row.
      const line = { group: "", repo: "", pr: 0, timeMs: 0, line: text, row: format === "parquet" ? (JSON.parse(text) as LearningExample) : undefined };
      await fileOf[assigned[Number(row.slice(0, tab))]!].write([line]);
    }
    for (const f of files) await f.commit();
    const splits = {} as Record<SplitName, SplitCounts & { file: string }>;
    SPLIT_NAMES.forEach((name, i) => (splits[name] = { prs: 0, lines: 0, file: files[i]!.path }));
    assigned.forEach((name, index) => {
      splits[name].prs++;
      splits[name].lines += perPr[index]!;
    });
    return { files: files.map((f) => f.path), splits };
  } catch (err) {
    for (const f of files) await f.abort();
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether `path` exists and is not a regular file (a device, a FIFO, a socket). */
export async function isSpecialFile(path: string): Promise<boolean> {
  try {
    return !(await stat(path)).isFile();
  } catch {
    return false; // does not exist yet: a new regular file
  }
}

function joinLines(batch: ExportLine[]): string {
  let text = "";
  for (const line of batch) text += line.line + "\n";
  return text;
}

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { LEARNING_COLUMNS } from "../../src/dataset/learning-columns.js";
import { jsonLines, writeJournal } from "./fixtures.js";
import { knownAnswerJournal } from "./known-answer-journal.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "parquet-"));
  await writeJournal(join(dataDir, "journal"), knownAnswerJournal());
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function run(args: string[]) {
  const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir });
  const code = await runCli(args, io);
  expect(code, io.err).toBe(0);
  return io;
}

/** The rows and column types of a Parquet file, as DuckDB reads them. */
async function duckdbRead(file: string) {
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  try {
    const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    const rows = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
    return { types: Object.fromEntries(types.map((t) => [String(t.column_name), String(t.column_type)])), rows };
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** A JSON line's value at a column's dotted path, as DuckDB prints that column's type. */
function expected(line: Record<string, unknown>, column: string, type: string): unknown {
  let value: unknown = line;
  for (const key of column.split(".")) value = value === null || typeof value !== "object" ? null : ((value as Record<string, unknown>)[key] ?? null);
  if (value === null) return null;
  if (type === "TIMESTAMP") return (value as string).replace("T", " ").replace(/(\.000)?Z$/, "");
  if (type === "JSON") return value;
  return value;
}

describe("export --format parquet", () => {
  it("writes typed, flattened columns that DuckDB reads back equal to the JSON lines", async () => {
    await run(["export", "--out", join(dataDir, "x.jsonl")]);
    await run(["export", "--format", "parquet", "--out", join(dataDir, "x.parquet")]);
    const lines = jsonLines(await readFile(join(dataDir, "x.jsonl"), "utf8"));
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(await readFile(new URL("../../schemas/example-v2.schema.json", import.meta.url), "utf8")));
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    const { types, rows } = await duckdbRead(join(dataDir, "x.parquet"));
    expect(Object.keys(types)).toEqual(LEARNING_COLUMNS.map((c) => c.name));
    expect(types).toMatchObject({
      pr: "INTEGER",
      time: "TIMESTAMP",
      "signals.checks_failing": "INTEGER",
      "signals.pr_age_hours": "DOUBLE",
      "signals.mergeable": "BOOLEAN",
      "signals.merge_state": "VARCHAR",
      "history.hours_in_merge_state.BLOCKED": "DOUBLE",
      "history.prior_actions_by_type": "JSON",
      "labels.h24.improved": "BOOLEAN",
      "outcome.time": "TIMESTAMP",
    });
    expect(rows).toHaveLength(lines.length);
    expect(rows.length).toBe(9);
    rows.forEach((row, i) => {
      for (const [column, type] of Object.entries(types)) {
        const value = type === "JSON" && row[column] !== null ? JSON.parse(String(row[column])) : row[column];
        expect(value, `row ${i} ${column}`).toEqual(expected(lines[i]!, column, type));
      }
    });
    // The card describes the Parquet layout.
    expect(await readFile(join(dataDir, "x.card.md"), "utf8")).toContain("in Parquet: nested keys flattened to dotted columns");
  });

  it("splits into three Parquet files holding every row once", async () => {
    const io = await run(["export", "--format", "parquet", "--out", join(dataDir, "x.parquet"), "--split", "0.6,0.2,0.2"]);
    let total = 0;
    const prs = new Set<string>();
    for (const name of ["train", "validation", "test"]) {
      const { rows } = await duckdbRead(join(dataDir, `x.${name}.parquet`));
      total += rows.length;
      for (const pr of new Set(rows.map((r) => String(r.pr)))) {
        expect(prs.has(pr), `PR ${pr} in two files`).toBe(false);
        prs.add(pr);
      }
    }
    expect(total).toBe(9);
    expect(io.err).toContain(`train: `);
  });
});

describe("export --format parquet of no examples", () => {
  it("writes a valid Parquet file with the columns and no rows", async () => {
    const empty = await mkdtemp(join(tmpdir(), "parquet-empty-"));
    try {
      const io = memoryIo({ DATA_DIR: empty, HOME: empty });
      expect(await runCli(["export", "--format", "parquet", "--out", join(empty, "x.parquet")], io), io.err).toBe(0);
      const { types, rows } = await duckdbRead(join(empty, "x.parquet"));
      expect(Object.keys(types)).toEqual(LEARNING_COLUMNS.map((c) => c.name));
      expect(rows).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { makePoint } from "../../src/store/point.js";
import { act, jsonLines, obs, out, writeJournal } from "../dataset/fixtures.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "export-cli-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const R = "dappcore/core";
/** Ten PRs, PR n active on day n: each an observation, an action and (except PR 10) an outcome. */
function tenPrs() {
  const points = [];
  for (let n = 1; n <= 10; n++) {
    const day = `2026-02-${String(n).padStart(2, "0")}`;
    points.push(obs(R, n, `${day}T08:00:00.000Z`, { checks_total: n }));
    points.push(act(R, n, `${day}T09:00:00.000Z`, n % 2 ? "wait" : "request_review_fix"));
    if (n < 10) points.push(out(R, n, `${day}T12:00:00.000Z`, n % 3 ? "success" : "closed", 4));
  }
  points.push(act("other/repo", 1, "2026-02-03T09:00:00.000Z", "wait"));
  return points;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const io = memoryIo({ DATA_DIR: dataDir, HOME: dataDir, ...env });
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

function validator(kind: string) {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  return import(`../../schemas/${kind}.schema.json`, { with: { type: "json" } }).then((m) => ajv.compile(m.default));
}

describe("pr-telemetry export", () => {
  it("writes examples to stdout in (repo, pr, time) order with a summary on stderr", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const { code, out: stdout, err } = await run(["export"]);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.map((l) => `${l.repo}#${l.pr}`)).toEqual([...Array.from({ length: 10 }, (_, i) => `${R}#${i + 1}`), "other/repo#1"]);
    expect(err).toContain("export: 11 examples of 11 PRs from 30 points");
    expect(err).toContain("censored (no outcome yet): 2; without signals: 1");
    expect(err).not.toContain("\r");
  });

  it("takes --out - (a lone dash) as standard output", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const { code, out: stdout } = await run(["export", "--out", "-"]);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toHaveLength(11);
  });

  it("writes a file and its dataset card; every line matches the schema", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const file = join(dataDir, "export.jsonl");
    const { code, err } = await run(["export", "--out", file, "--repo", R]);
    expect(code).toBe(0);
    const lines = jsonLines(await readFile(file, "utf8"));
    expect(lines).toHaveLength(10);
    const validate = await validator("example-v2");
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    const card = await readFile(join(dataDir, "export.card.md"), "utf8");
    expect(card).toContain("# pr-telemetry dataset: examples (schema 2)");
    expect(card).toContain("`pr-telemetry export --kind examples --schema 2 --format jsonl`");
    expect(card).toContain("examples: 10; censored (no outcome yet): 1; without signals: 0");
    expect(card).toMatch(/- time range of the actions: 2026-\S+ to 2026-\S+/);
    expect(card).toMatch(/- labels censored \(data ends before the horizon\): 1 h: \d+; 6 h: \d+; 24 h: \d+/);
    expect(card).toContain("### Features (as of the action's time)");
    expect(card).toContain("### Labels (what happened after)");
    expect(card).toContain("Nothing after the action's time is read for any of them.");
    // Every key of a line is described in the card.
    for (const key of Object.keys(lines[0]!)) expect(card, key).toContain(`\`${key}`);
    expect(err).toContain(`dataset card: ${join(dataDir, "export.card.md")}`);
    expect((await readdir(dataDir)).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("--schema 1 writes the former lines, valid against schemas/example.schema.json", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const file = join(dataDir, "export.jsonl");
    const { code, err } = await run(["export", "--schema", "1", "--out", file, "--repo", R]);
    expect(code).toBe(0);
    const lines = jsonLines(await readFile(file, "utf8"));
    expect(lines).toHaveLength(10);
    const validate = await validator("example");
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    const card = await readFile(join(dataDir, "export.card.md"), "utf8");
    expect(card).toContain("# pr-telemetry dataset: examples\n");
    expect(card).toContain("examples: 10; censored (no outcome yet): 1; without signals: 0");
    expect(card).toContain("## Labels");
    expect(err).toContain(`dataset card: ${join(dataDir, "export.card.md")}`);
    expect((await readdir(dataDir)).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("splits by PR and by time: no PR in two files, test holds the most recent PRs", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const file = join(dataDir, "ds.jsonl");
    const { code, err } = await run(["export", "--out", file, "--repo", R, "--split", "0.6,0.2,0.2"]);
    expect(code).toBe(0);
    const read = async (name: string) => jsonLines(await readFile(join(dataDir, `ds.${name}.jsonl`), "utf8"));
    const [train, validation, test] = [await read("train"), await read("validation"), await read("test")];
    const prs = (lines: Array<Record<string, unknown>>) => lines.map((l) => l.pr as number);
    expect(prs(train)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(prs(validation)).toEqual([7, 8]);
    expect(prs(test)).toEqual([9, 10]);
    expect(err).toContain("train: 6 lines, 6 PRs");
    const card = await readFile(join(dataDir, "ds.card.md"), "utf8");
    expect(card).toContain("| `ds.test.jsonl` | 2 | 2 |");
  });

  it("keeps a PR's lines together in a split even when its actions span the others", async () => {
    const points = [
      act(R, 1, "2026-02-01T00:00:00.000Z", "wait"),
      act(R, 1, "2026-02-09T00:00:00.000Z", "wait"), // PR 1 is the most recent PR
      act(R, 2, "2026-02-02T00:00:00.000Z", "wait"),
      act(R, 3, "2026-02-03T00:00:00.000Z", "wait"),
      act(R, 3, "2026-02-04T00:00:00.000Z", "wait"),
    ];
    await writeJournal(join(dataDir, "journal"), points);
    const file = join(dataDir, "s.jsonl");
    expect((await run(["export", "--out", file, "--split", "0.34,0.33,0.33"])).code).toBe(0);
    const files = await Promise.all(["train", "validation", "test"].map(async (n) => jsonLines(await readFile(join(dataDir, `s.${n}.jsonl`), "utf8"))));
    expect(files.map((f) => f.map((l) => l.pr))).toEqual([[2], [3, 3], [1, 1]]);
  });

  it.each([
    ["observations", "observation", 10],
    ["actions", "action", 11],
    ["outcomes", "outcome", 9],
  ])("--kind %s pivots raw points into schema-valid lines", async (kind, schema, count) => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const { code, out: stdout } = await run(["export", "--kind", kind]);
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines).toHaveLength(count);
    const validate = await validator(schema);
    for (const line of lines) expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
  });

  it("pivots a raw observation exactly, tags and fields in key order", async () => {
    await writeJournal(join(dataDir, "journal"), [
      makePoint("pr_observation", new Date("2026-02-05T09:00:00.000Z"), { repo: R, pr: "315", author: "jules[bot]" }, { state: "OPEN", mergeable: true, checks_total: 8 }),
    ]);
    const { out: stdout } = await run(["export", "--kind", "observations"]);
    expect(stdout).toBe(
      '{"repo":"dappcore/core","pr":315,"time":"2026-02-05T09:00:00.000Z","author":"jules[bot]","checks_total":8,"mergeable":true,"state":"OPEN"}\n',
    );
  });

  it("--since and --until bound the window", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const { out: stdout } = await run(["export", "--since", "2026-02-03", "--until", "2026-02-05", "--repo", R]);
    const lines = jsonLines(stdout);
    expect(lines.map((l) => l.pr)).toEqual([3, 4, 5]);
    // --until is "as of": PR 5's outcome at 12:00 on the 5th is inside, so it is known.
    expect(lines[2]).toMatchObject({ outcome: { result: "success" } });
    const asOf = jsonLines((await run(["export", "--until", "2026-02-05T10:00:00Z", "--repo", R])).out);
    expect(asOf.at(-1)).toMatchObject({ pr: 5, outcome: null, censored: true });
  });

  it("shows progress on a terminal", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const io = { ...memoryIo({ DATA_DIR: dataDir, HOME: dataDir }), isTTY: true };
    // memoryIo's methods close over their own object: record through a wrapper.
    let err = "";
    io.stderr = (t: string) => {
      err += t;
    };
    expect(await runCli(["export", "--out", join(dataDir, "p.jsonl")], io)).toBe(0);
    expect(err).toMatch(/\rexport: 30 points read/);
    expect(err).toContain("\r\u001b[K");
  });

  it("exports what record-action and record-outcome recorded", async () => {
    await writeJournal(join(dataDir, "journal"), [obs(R, 315, "2026-02-05T09:00:00.000Z", { merge_state: "CLEAN" })]);
    const recorded = [
      await run(["record-action", "--repo", R, "--pr", "315", "--action", "wait", "--reason", "auto-merge enabled, checks passing", "--time", "2026-02-05T09:30:00.000Z"]),
      await run(["record-outcome", "--repo", R, "--pr", "315", "--result", "escalated", "--detail", "conflict unresolvable", "--resolution-hours", "72"]),
    ];
    for (const r of recorded) expect(r.code, r.err).toBe(0);
    const lines = jsonLines((await run(["export"])).out);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      repo: R,
      pr: 315,
      time: "2026-02-05T09:30:00.000Z",
      action: "wait",
      reason: "auto-merge enabled, checks passing",
      source: "cli",
      signals: { merge_state: "CLEAN" },
      outcome: { result: "escalated", detail: "conflict unresolvable", resolution_hours: 72 },
    });
  });

  it.each([
    [["export", "--since", "yesterday"], /--since "yesterday" is not a duration or a date/],
    [["export", "--until", "2026-02-30"], /--until "2026-02-30" is not a duration or a date/],
    [["export", "--since", "2026-02-05", "--until", "2026-02-01"], /--since .* is after --until/],
    [["export", "--split", "0.8,0.1"], /--split "0.8,0.1" must be three shares/],
    [["export", "--split", "0.8,0.1,0.2", "--out", "x.jsonl"], /adds up to 1.1/],
    [["export", "--split", "0.8,0.1,0.1"], /--split writes three files: name the export with --out FILE/],
    [["export", "--repo", "dappcore"], /--repo "dappcore" is not owner\/name/],
    [["export", "--kind", "everything"], /Invalid values[\s\S]*kind/],
    [["export", "--from", "influx"], /--from influx needs InfluxDB configured/],
    [["export", "--format", "parquet"], /--format parquet writes a file: name it with --out FILE/],
    [["export", "--format", "parquet", "--schema", "1", "--out", "x.parquet"], /--format parquet writes schema-2 examples only/],
    [["export", "--format", "parquet", "--kind", "observations", "--out", "x.parquet"], /--format parquet writes schema-2 examples only/],
    [["export", "--schema", "3"], /Invalid values[\s\S]*schema/],
  ])("refuses %j with exit code 2", async (args, message) => {
    const { code, err, out: stdout } = await run(args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(stdout).toBe("");
  });

  it("fails with exit code 1 and leaves no half-written file when the output folder is missing", async () => {
    await writeJournal(join(dataDir, "journal"), tenPrs());
    const { code, err } = await run(["export", "--out", join(dataDir, "missing", "x.jsonl")]);
    expect(code).toBe(1);
    expect(err).toMatch(/cannot write .*missing\/x.jsonl.*check that its folder exists/);
  });
});

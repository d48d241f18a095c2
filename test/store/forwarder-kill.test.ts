import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Journal } from "../../src/store/journal.js";
import { manyPoints } from "../helpers/hostile-points.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";

let influx: Influxd;
let dataDir: string;

beforeAll(async () => {
  influx = await startInfluxd();
  dataDir = await mkdtemp(join(tmpdir(), "forwarder-kill-"));
});
afterAll(async () => {
  await influx?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const TOTAL = 20_000;
const BATCH = 1000;

/** Runs the forwarder child; `onAccepted` sees each batch InfluxDB accepted, before its checkpoint. */
function runChild(inFlight: 1 | 2, database: string, pause: "stdin" | 0, onAccepted: (count: number, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string[] }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/helpers/forwarder-child.ts", join(dataDir, "journal"), dataDir, influx.url, database, String(BATCH), String(pause), String(inFlight)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  child.stdin!.on("error", () => undefined); // a "go" written as it is killed
  const output: string[] = [];
  let accepted = 0;
  createInterface({ input: child.stdout! }).on("line", (line) => {
    output.push(line);
    if (!line.startsWith("accepted ")) return;
    let killed = false;
    onAccepted(++accepted, () => ((killed = true), child.kill("SIGKILL")));
    // The child waits after each accepted batch (pause "stdin") until told to go on: a kill lands in that window.
    if (!killed && pause === "stdin") child.stdin!.write("go\n");
  });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, output })));
}

async function checkpointOffset(): Promise<number> {
  const text = await readFile(join(dataDir, "forwarder", "checkpoint.json"), "utf8").catch(() => '{"files":{}}');
  return Object.values((JSON.parse(text) as { files: Record<string, number> }).files).reduce((a, b) => a + b, 0);
}

it.each([1, 2] as const)("kill -9 of the forwarder between InfluxDB's answer and the checkpoint, then a restart: every point present exactly once (%i request(s) in flight)", async (inFlight) => {
  const database = `kill${inFlight}`;
  await influx.query(`CREATE DATABASE "${database}"`);
  await rm(join(dataDir, "journal"), { recursive: true, force: true });
  await rm(join(dataDir, "forwarder"), { recursive: true, force: true });
  const journal = new Journal({ dir: join(dataDir, "journal") });
  await journal.write(manyPoints(TOTAL));
  await journal.close();

  // First run: killed with SIGKILL while its third batch is accepted but not yet checkpointed.
  const first = await runChild(inFlight, database, "stdin", (n, kill) => {
    if (n === 3) kill();
  });
  expect(first.signal).toBe("SIGKILL");
  expect(first.output.filter((l) => l.startsWith("accepted"))).toHaveLength(3);
  // One at a time: exactly the two earlier batches are checkpointed; the third was accepted but not
  // recorded. Two in flight: the second and third were sent together, so the checkpoint is at the end
  // of the first or second batch (never inside a batch, never past one InfluxDB had not accepted).
  const journalText = await readFile(join(dataDir, "journal", (await readdir(join(dataDir, "journal")))[0]!));
  const endOfBatch = (k: number) => {
    let end = 0;
    for (let i = 0; i < k * BATCH; i++) end = journalText.indexOf(10, end) + 1;
    return end;
  };
  const checkpoint = await checkpointOffset();
  const recorded = inFlight === 1 ? 2 : [1, 2].find((k) => endOfBatch(k) === checkpoint);
  expect(recorded).toBeDefined();
  expect(checkpoint).toBe(endOfBatch(recorded!));

  // Second run: resumes from the checkpoint, re-sends the third batch, finishes.
  const second = await runChild(inFlight, database, 0, () => undefined);
  expect(second.code).toBe(0);
  expect(second.output.at(-1)).toBe("drained");
  const resent = second.output.filter((l) => l.startsWith("accepted")).reduce((sum, l) => sum + Number(l.split(" ")[1]), 0);
  expect(resent).toBe(TOTAL - recorded! * BATCH); // resumed after the checkpointed batches

  const rows = await influx.query(`SELECT "detail" FROM "${database}"."autogen"."outcome"`);
  const details = rows[0]!.series![0]!.values.map((v) => v[1] as string);
  expect(details).toHaveLength(TOTAL);
  expect(new Set(details).size).toBe(TOTAL);
  expect(new Set(details)).toEqual(new Set(manyPoints(TOTAL).map((p) => p.fields.detail)));
}, 60_000);

import { spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serializePoint } from "../../src/store/journal-line.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { figure, median, type BenchFigure, type BenchScenario } from "../scenario.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A realistic journal: per PR ~40 observations (webhooks and sweeps, ~800 bytes each, as the
 * app writes them), ~4 actions and, for 3 PRs in 4, an outcome; 1% of observations written twice
 * (redelivered webhooks). Lines are in write order, roughly but not exactly time order.
 */
export async function writeJournal(dir: string, total: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stream = createWriteStream(join(dir, "2026-02-05.jsonl"));
  let written = 0;
  let pr = 0;
  let buffer = "";
  const emit = async (p: Point) => {
    buffer += serializePoint(p) + "\n";
    written++;
    if (buffer.length > 1 << 20) {
      if (!stream.write(buffer)) await new Promise<void>((r) => stream.once("drain", () => r()));
      buffer = "";
    }
  };
  const start = Date.UTC(2026, 0, 1);
  while (written < total) {
    pr++;
    const repo = `dappcore/core${pr % 4 === 0 ? "" : `-${["php", "mcp", "api"][pr % 3]}`}`;
    const tags = { repo, pr: String(pr), author: pr % 2 ? "jules[bot]" : "snider" };
    const opened = start + pr * 600_000;
    for (let i = 0; i < 45 && written < total; i++) {
      const t = new Date(opened + i * 900_000 + (i % 7) * 13);
      if (i % 11 === 5) {
        await emit(makePoint("action_taken", new Date(t.getTime() + 1), { repo, pr: String(pr) }, {
          action: ["wait", "request_review_fix", "request_conflict_fix", "enable_auto_merge"][i % 4],
          reason: "unresolved threads, attempt 1",
          source: "inferred",
          actor: "orchestrator[bot]",
        }));
        continue;
      }
      const o = makePoint("pr_observation", t, tags, {
        merge_state: i % 3 ? "BLOCKED" : "CLEAN", mergeable: i % 5 !== 0, is_draft: false, auto_merge_enabled: i > 30,
        checks_total: 8, checks_passing: Math.min(8, i), checks_failing: i % 9 === 0 ? 1 : 0, checks_pending: 0,
        reviews_approved: i > 20 ? 1 : 0, reviews_changes_requested: i % 13 === 0 ? 1 : 0, threads_total: 5, threads_unresolved: i < 25 ? 2 : 0,
        pr_age_hours: Math.floor(i / 4), last_push_hours: i % 6, last_activity_hours: i % 3, conflict_attempts: 0, review_fix_attempts: Math.floor(i / 11),
        head_sha: "0123456789abcdef0123456789abcdef01234567", base_ref: "main", head_ref: `feature/pr-${pr}`, review_decision: "REVIEW_REQUIRED",
        commits: 3, additions: 120, deletions: 30, changed_files: 4, state: "OPEN", trigger: "pull_request.synchronize",
        delivery_id: "c0ffee00-1234-5678-9abc-def012345678",
      });
      await emit(o);
      if (written % 100 === 0 && written < total) await emit(o);
    }
    if (pr % 4 !== 0 && written < total) {
      await emit(makePoint("outcome", new Date(opened + 45 * 900_000), { repo, pr: String(pr) }, {
        result: pr % 5 ? "success" : "closed", detail: "merged via auto-merge", resolution_hours: 11.25, source: "webhook",
      }));
    }
  }
  if (buffer) stream.write(buffer);
  await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface ChildResult {
  seconds: number;
  /** User + system CPU of the child during the export (GC threads included). */
  cpuSeconds: number;
  maxRssMb: number;
  code: number;
}

/**
 * Runs `pr-telemetry export --schema 1` (the built CLI) in a child; its own peak RSS and wall
 * time. Schema 1 keeps this scenario's figures comparable with the runs before schema 2 (issue 13
 * measures schema 2 in `learning export`).
 */
function exportInChild(dataDir: string, out: string, nodeArgs: string[] = []): Promise<ChildResult> {
  const cli = pathToFileURL(join(ROOT, "dist/cli/run-cli.js")).href;
  const code = `const { runCli } = await import(${JSON.stringify(cli)});
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const code = await runCli(["export", "--schema", "1", "--from", "journal", "--out", ${JSON.stringify(out)}]);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(JSON.stringify({ seconds, cpuSeconds, maxRssMb: process.resourceUsage().maxRSS / 1024, code }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, "--input-type=module", "-e", code], {
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
        const result = JSON.parse(stdout) as ChildResult;
        if (result.code !== 0) throw new Error(`export exited ${result.code}`);
        resolve(result);
      } catch (err) {
        reject(new Error(`${(err as Error).message}; stderr: ${stderr.slice(-500)}`));
      }
    });
  });
}

export const exportScenario: BenchScenario = {
  name: "dataset export",
  issue: 6,
  async run({ quick }) {
    // The child runs the built CLI: build it from the current sources first.
    const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build failed");
    const runs = quick ? 1 : 3;
    const sizes = quick ? [100_000, 300_000] : [100_000, 1_000_000];
    const figures: BenchFigure[] = [];
    const rss: Record<number, number[]> = {};
    const cappedRss: Record<number, number> = {};
    for (const size of sizes) {
      const dir = await mkdtemp(join(tmpdir(), "bench-export-"));
      try {
        await writeJournal(join(dir, "journal"), size);
        const bytes = (await stat(join(dir, "journal", "2026-02-05.jsonl"))).size;
        const rates: number[] = [];
        const cpuRates: number[] = [];
        rss[size] = [];
        for (let i = 0; i < runs; i++) {
          const result = await exportInChild(dir, join(dir, "export.jsonl"));
          rates.push(size / result.seconds);
          cpuRates.push(size / result.cpuSeconds);
          rss[size]!.push(result.maxRssMb);
        }
        const label = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`;
        const rate = median(rates);
        figures.push(
          figure(`export ${label} journal points (examples)`, "points/s", rates, {
            target: ">= 200000 points/s",
            met: rate >= 200_000,
            note: `${(bytes / 1e6).toFixed(0)} MB of journal; wall time of the export command in a child process`,
          }),
        );
        figures.push(
          figure(`export ${label} points per CPU second`, "points/s", cpuRates, {
            note: "points / (user + system CPU of the child): the wall-clock figure on a shared, busy host understates the code's speed",
          }),
        );
        // The same export with V8's heap capped at 96 MB: it must finish at every size (memory is
        // bounded); without the cap V8 lets garbage pile up before collecting, so RSS says more
        // about the GC's laziness than about what the export keeps.
        const capped = await exportInChild(dir, join(dir, "export.jsonl"), ["--max-old-space-size=96"]);
        cappedRss[size] = capped.maxRssMb;
        figures.push(
          figure(`peak RSS, ${label} points, heap capped at 96 MB`, "MB", [capped.maxRssMb], {
            note: `finished in ${capped.seconds.toFixed(1)} s (${Math.round(size / capped.seconds)} points/s)`,
          }),
        );
        const peak = median(rss[size]!);
        figures.push(
          figure(`peak RSS, export of ${label} points`, "MB", rss[size]!, {
            target: "< 300 MB",
            met: peak < 300,
            note: "process.resourceUsage().maxRSS of the child running the export",
          }),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    const [small, large] = sizes as [number, number];
    const ratio = median(rss[large]!) / median(rss[small]!);
    figures.push(
      figure(`peak RSS growth ${large / small}x input`, "ratio", [ratio], {
        baseline: { name: `peak RSS at ${small / 1000}k points`, median: median(rss[small]!) },
        ratio,
        target: "flat (about 1x)",
        met: ratio < 1.5,
        note: `peak RSS at ${large} points / at ${small} points`,
      }),
    );
    figures.push(
      figure(`peak RSS growth ${large / small}x input, heap capped`, "ratio", [cappedRss[large]! / cappedRss[small]!], {
        baseline: { name: `capped peak RSS at ${small / 1000}k points`, median: cappedRss[small]! },
        ratio: cappedRss[large]! / cappedRss[small]!,
        target: "flat (about 1x)",
        met: cappedRss[large]! / cappedRss[small]! < 1.25,
      }),
    );
    return figures;
  },
};

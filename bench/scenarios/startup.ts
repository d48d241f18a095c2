import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { pointText } from "../../src/store/point-text.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { appCredentials, freePort } from "../../test/helpers/app-process.js";
import { figure, median, type BenchFigure, type BenchScenario } from "../scenario.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DAY_MS = 86_400_000;

/**
 * A journal of `total` points spread over the last `days` days (7 by default; one file per UTC day, as the app
 * writes them): per PR ~40 observations (~800 bytes each), ~4 actions and, for 3 PRs in 4, an
 * outcome, as in the export scenario. Each line is the store's own text of the point (pointText);
 * a PR's observations differ only in their time, so a PR's line is made once and its time put in
 * (byte-identical to serializing each point, and fast enough for 10M points).
 */
export async function writeJournal(dir: string, total: number, now: number, days = 7): Promise<number> {
  await mkdir(dir, { recursive: true });
  const start = now - days * DAY_MS + 60_000;
  const perPr = 46;
  const prs = Math.ceil(total / perPr);
  const spacing = (days * DAY_MS - 120_000) / total; // ms between points, in write order
  let written = 0;
  let file: { day: string; stream: ReturnType<typeof createWriteStream> } | undefined;
  let buffer = "";
  const flush = async () => {
    if (!file || !buffer) return;
    if (!file.stream.write(buffer)) await new Promise<void>((r) => file!.stream.once("drain", () => r()));
    buffer = "";
  };
  const close = async () => {
    await flush();
    if (file) await new Promise<void>((resolve, reject) => file!.stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  };
  const emit = async (line: string, time: number) => {
    const day = new Date(time).toISOString().slice(0, 10);
    if (file?.day !== day) {
      await close();
      file = { day, stream: createWriteStream(join(dir, `${day}.jsonl`)) };
    }
    buffer += line + "\n";
    written++;
    if (buffer.length > 1 << 20) await flush();
  };
  // A line with its time as a placeholder, split there.
  const PLACEHOLDER = "2000-01-01T00:00:00.000Z";
  const template = (p: Point) => pointText({ ...p, time: new Date(PLACEHOLDER) }).split(PLACEHOLDER) as [string, string];
  for (let pr = 1; written < total && pr <= prs + 1; pr++) {
    const repo = `dappcore/core${pr % 4 === 0 ? "" : `-${["php", "mcp", "api"][pr % 3]}`}`;
    const tags = { repo, pr: String(pr), author: pr % 2 ? "jules[bot]" : "snider" };
    const at = new Date(0);
    const observation = template(
      makePoint("pr_observation", at, tags, {
        merge_state: pr % 3 ? "BLOCKED" : "CLEAN", mergeable: pr % 5 !== 0, is_draft: false, auto_merge_enabled: pr % 2 === 0,
        checks_total: 8, checks_passing: 6, checks_failing: 1, checks_pending: 1, reviews_approved: 1, reviews_changes_requested: 0,
        threads_total: 5, threads_unresolved: 2, pr_age_hours: 3, last_push_hours: 1, last_activity_hours: 0, conflict_attempts: 0,
        review_fix_attempts: 1, head_sha: "0123456789abcdef0123456789abcdef01234567", base_ref: "main", head_ref: `feature/pr-${pr}`,
        review_decision: "REVIEW_REQUIRED", commits: 3, additions: 120, deletions: 30, changed_files: 4, state: "OPEN",
        trigger: pr % 10 === 0 ? "sweep" : "pull_request.synchronize", delivery_id: "c0ffee00-1234-5678-9abc-def012345678",
      }),
    );
    const action = (i: number) =>
      template(makePoint("action_taken", at, { repo, pr: String(pr) }, {
        action: ["wait", "request_review_fix", "request_conflict_fix", "enable_auto_merge"][i % 4], reason: "unresolved threads, attempt 1", source: "inferred", actor: "orchestrator[bot]",
      }));
    const outcome = template(makePoint("outcome", at, { repo, pr: String(pr) }, { result: pr % 5 ? "success" : "closed", detail: "merged via auto-merge", resolution_hours: 11.25, source: "webhook" }));
    for (let i = 0; i < perPr - 1 && written < total; i++) {
      const time = Math.round(start + written * spacing);
      const [head, tail] = i % 11 === 5 ? action(i) : observation;
      await emit(head + new Date(time).toISOString() + tail, time);
    }
    if (pr % 4 !== 0 && written < total) {
      const time = Math.round(start + written * spacing);
      await emit(outcome[0] + new Date(time).toISOString() + outcome[1], time);
    }
  }
  await close();
  return written;
}

interface StartResult {
  seconds: number;
  peakRssMb: number;
}

/** Starts the built app on `dataDir` and measures the time until /health answers 200, and its peak RSS then. */
async function timeToHealth(mainJs: string, dataDir: string): Promise<StartResult> {
  const creds = appCredentials();
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: dataDir,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    APP_ID: String(creds.appId),
    PRIVATE_KEY: creds.privateKey,
    WEBHOOK_SECRET: creds.secret,
    HOST: "127.0.0.1",
    PORT: String(port),
    // Nothing answers there; the first sweep (10-60 s after start) is never reached.
    GHE_HOST: `127.0.0.1:${await freePort()}`,
    GHE_PROTOCOL: "http",
    DATA_DIR: dataDir,
  };
  const t0 = performance.now();
  const child = spawn(process.execPath, [mainJs], { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the app exited before /health answered: ${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - t0 > 300_000) throw new Error("no /health 200 within 300 s");
      await sleep(10);
    }
    const seconds = (performance.now() - t0) / 1000;
    // The peak resident set so far (VmHWM): what the start-up cost in memory.
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
    return { seconds, peakRssMb };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

/**
 * Time from spawning the built app (`node dist/main.js`, as `npm start`) to its first /health
 * 200, with an empty journal and with 1M and 10M points over the last 7 days; peak RSS then.
 * BENCH_STARTUP_MAIN=path/to/main.js measures another build (e.g. the base commit's, built with
 * `tsc -p tsconfig.build.json --outDir .base-dist`).
 */
export const startupScenario: BenchScenario = {
  name: "startup",
  issue: 11,
  async run({ quick }) {
    const mainJs = process.env["BENCH_STARTUP_MAIN"] ?? join(ROOT, "dist/main.js");
    if (!process.env["BENCH_STARTUP_MAIN"]) {
      const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
      if (build.status !== 0) throw new Error("npm run build failed");
    }
    const sizes = quick ? [0, 1_000_000] : (process.env["BENCH_STARTUP_SIZES"]?.split(",").map(Number) ?? [0, 1_000_000, 10_000_000]);
    const runs = quick ? 1 : 3;
    const figures: BenchFigure[] = [];
    let empty: number | undefined;
    for (const size of sizes) {
      // BENCH_STARTUP_DIR_<size>: a DATA_DIR generated before (kept), to compare two builds on the same journal.
      const prepared = process.env[`BENCH_STARTUP_DIR_${size}`];
      const dir = prepared ?? (await mkdtemp(join(tmpdir(), "bench-startup-")));
      try {
        const generated = performance.now();
        if (!prepared) await writeJournal(join(dir, "journal"), size, Date.now());
        const genSeconds = (performance.now() - generated) / 1000;
        let bytes = 0;
        for (const name of await readdir(join(dir, "journal")).catch(() => [])) {
          bytes += (await stat(join(dir, "journal", name))).size;
        }
        const times: number[] = [];
        const rss: number[] = [];
        for (let i = 0; i < runs; i++) {
          const result = await timeToHealth(mainJs, dir);
          times.push(result.seconds);
          rss.push(result.peakRssMb);
        }
        const label = size === 0 ? "empty journal" : `${size / 1_000_000}M points`;
        const t = median(times);
        if (size === 0) empty = t;
        const added = empty !== undefined && size > 0 ? t - empty : undefined;
        const limit = size >= 10_000_000 ? 5 : 1;
        figures.push(
          figure(`time to /health 200, ${label}`, "s", times, {
            ...(added !== undefined ? { baseline: { name: "empty journal", median: empty! }, target: `adds < ${limit} s`, met: added < limit } : {}),
            note: `${(bytes / 1e6).toFixed(0)} MB of journal over 7 day files (generated in ${genSeconds.toFixed(0)} s)${added !== undefined ? `; adds ${added.toFixed(2)} s to the empty start` : ""}`,
          }),
        );
        figures.push(figure(`peak RSS at /health 200, ${label}`, "MB", rss, { note: "VmHWM of the app process when /health first answered 200" }));
      } finally {
        if (!prepared) await rm(dir, { recursive: true, force: true });
      }
    }
    return figures;
  },
};

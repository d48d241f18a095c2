import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { appCredentials, ROOT, startApp, type AppProcess } from "../../test/helpers/app-process.js";
import { GitHubModel, startFakeGitHub, WebhookPayloads, type FakePullRequest, type WebhookDelivery } from "../../test/helpers/fake-github/index.js";
import { seedBenchModel } from "../seed-bench-model.js";
import { observationsOf, waitForJournal } from "../../test/helpers/journal-points.js";
import { WebhookSender, type DeliveryResult } from "../../test/helpers/webhook-sender.js";
import { figure, median, percentile, type BenchFigure, type BenchScenario } from "../scenario.js";

/** How many deliveries GitHub has in flight at once towards one app (it delivers concurrently). */
const CONCURRENCY = 8;

/** The fake GitHub seeded by seedBenchModel, in its own process (see bench/fake-github-process.ts). */
export async function fakeGitHubProcess(repos: number, prsPerRepo: number, options: { graphqlDelayMs?: number } = {}): Promise<{ host: string; child: ChildProcess; counts(): Promise<Record<string, number>>; close(): Promise<void> }> {
  const creds = appCredentials();
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/fake-github-process.ts"), JSON.stringify({ appId: creds.appId, publicKey: creds.publicKey, repos, prsPerRepo, ...options })], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const ready = await next();
  const host = /^READY (\S+)$/.exec(ready)?.[1];
  if (!host) throw new Error(`the fake GitHub process said "${ready}"`);
  return {
    host,
    child,
    async counts() {
      child.stdin!.write("counts\n");
      return JSON.parse((await next()).replace(/^COUNTS /, "")) as Record<string, number>;
    },
    async close() {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}

/** A realistic mix of deliveries over the PRs: check runs, statuses, labels, check suites. */
export function mixedDeliveries(model: GitHubModel, prs: FakePullRequest[], count: number): WebhookDelivery[] {
  const payloads = new WebhookPayloads(model);
  const out: WebhookDelivery[] = [];
  for (let i = 0; i < count; i++) {
    const pr = prs[i % prs.length]!;
    const run = model.headContexts(pr).checkRuns[0]!;
    switch (i % 4) {
      case 0:
        out.push(payloads.checkRun(pr, run, "completed"));
        break;
      case 1:
        out.push(payloads.status(pr, model.headContexts(pr).statuses[0]!));
        break;
      case 2:
        out.push(payloads.pullRequest(pr, "labeled", { label: "bench" }));
        break;
      default:
        out.push(payloads.checkSuite(pr, run));
    }
  }
  return out;
}

interface RoundResult {
  acksPerSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** The app process's CPU time (user + system) per delivery, from /proc; NaN where there is none. */
  cpuMsPerDelivery: number;
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

async function round(sender: WebhookSender, deliveries: WebhookDelivery[], pid: number | undefined): Promise<RoundResult> {
  const prepared = await Promise.all(deliveries.map((d) => sender.prepare(d)));
  const cpuBefore = processCpuMs(pid);
  const started = performance.now();
  const results: DeliveryResult[] = await sender.sendAll(prepared, CONCURRENCY);
  const seconds = (performance.now() - started) / 1000;
  const cpu = processCpuMs(pid) - cpuBefore;
  const ok = results.filter((r) => r.status >= 200 && r.status < 300);
  const ms = results.map((r) => r.ms);
  return {
    acksPerSecond: ok.length / seconds,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    failures: results.length - ok.length,
    cpuMsPerDelivery: cpu / results.length,
  };
}

/**
 * Webhook acknowledgements per second and ack latency of pr-telemetry (journal store) against a
 * bare Probot app that only acknowledges, both started the way users start them, measured in the
 * same run in alternating rounds (the order flips every round so neither side always goes first).
 */
export const webhookAcks: BenchScenario = {
  name: "webhook-acks",
  issue: 2,
  async run({ quick }) {
    const rounds = quick ? 3 : 7;
    const perRound = quick ? 400 : 1500;
    // The same deterministic model twice: in the fake GitHub's own process (which the app asks)
    // and here (to build payloads whose numbers and shas match).
    const gh = await fakeGitHubProcess(4, 10);
    const model = new GitHubModel();
    const prs = seedBenchModel(model, 4, 10);
    const creds = appCredentials();
    let bare: AppProcess | undefined;
    let app: AppProcess | undefined;
    try {
      bare = await startApp({ githubHost: gh.host, entry: "bare" });
      // Backoffs short and the drain bounded, so the app's background snapshots stay realistic but finite.
      // BENCH_CPU_PROF=<dir>: the app writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
      const profDir = process.env["BENCH_CPU_PROF"];
      const entry = profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--import", "tsx", join(ROOT, "src/main.ts")] : undefined;
      app = await startApp({ githubHost: gh.host, ...(entry ? { entry } : {}), env: { SHUTDOWN_GRACE_MS: "3000", SWEEP_INTERVAL_MINUTES: "0", ...(process.env["BENCH_APP_ENV"] ? JSON.parse(process.env["BENCH_APP_ENV"]) : {}) } });
      const senders = { bare: new WebhookSender({ appUrl: bare.url, secret: creds.secret }), app: new WebhookSender({ appUrl: app.url, secret: creds.secret }) };
      const pids = { bare: bare.child.pid, app: app.child.pid };
      // Warm-up: JIT, keep-alive sockets, the app's installation token and config cache.
      for (const side of ["bare", "app"] as const) await round(senders[side], mixedDeliveries(model, prs, 200), pids[side]);
      for (const s of Object.values(senders)) s.close();
      const results: Record<"bare" | "app", RoundResult[]> = { bare: [], app: [] };
      for (let i = 0; i < rounds; i++) {
        const order: Array<"bare" | "app"> = i % 2 === 0 ? ["bare", "app"] : ["app", "bare"];
        for (const side of order) {
          // Fresh connections each round: a side's keep-alive sockets sit idle while the other side
          // runs, and on a loaded machine that outlasts Node's 5 s keep-alive timeout, so the server
          // closes them just as the next round reuses them ("socket hang up").
          const sender = new WebhookSender({ appUrl: (side === "bare" ? bare : app).url, secret: creds.secret });
          results[side].push(await round(sender, mixedDeliveries(model, prs, perRound), pids[side]));
          sender.close();
        }
      }
      const a = results.app;
      const b = results.bare;
      const bareRate = median(b.map((r) => r.acksPerSecond));
      const appP99 = median(a.map((r) => r.p99));
      const failures = a.reduce((n, r) => n + r.failures, 0) + b.reduce((n, r) => n + r.failures, 0);
      const github = await gh.counts();
      const githubRequests = Object.values(github).reduce((a, b) => a + b, 0);
      const note = `${perRound} deliveries per round over ${prs.length} PRs, ${CONCURRENCY} in flight, fake GitHub in its own process (${githubRequests} requests from the app)${failures ? `; ${failures} NOT acknowledged` : ""}`;
      // Paired ratios: each round's two halves ran back to back, so they share the machine's
      // momentary load; their median is steadier than the ratio of the two medians.
      const ratios = a.map((r, i) => r.acksPerSecond / b[i]!.acksPerSecond);
      const ratio = median(ratios);
      return [
        figure("acks/s (pr-telemetry, journal)", "acks/s", a.map((r) => r.acksPerSecond), {
          baseline: { name: "bare Probot", median: bareRate },
          ratio,
          target: ">= 0.9x bare Probot",
          met: ratio >= 0.9 && failures === 0,
          note: `${note}; ratio = median of per-round paired ratios [${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}]`,
        }),
        figure("acks/s (bare Probot)", "acks/s", b.map((r) => r.acksPerSecond)),
        figure("p50 ack latency (pr-telemetry)", "ms", a.map((r) => r.p50), { baseline: { name: "bare Probot", median: median(b.map((r) => r.p50)) } }),
        figure("p99 ack latency (pr-telemetry)", "ms", a.map((r) => r.p99), {
          baseline: { name: "bare Probot", median: median(b.map((r) => r.p99)) },
          target: "< 50 ms",
          met: appP99 < 50,
        }),
        ...(a.every((r) => Number.isFinite(r.cpuMsPerDelivery))
          ? [
              figure("CPU per delivery (pr-telemetry process)", "ms", a.map((r) => r.cpuMsPerDelivery), {
                baseline: { name: "bare Probot", median: median(b.map((r) => r.cpuMsPerDelivery)) },
                ratio: median(a.map((r) => r.cpuMsPerDelivery)) / median(b.map((r) => r.cpuMsPerDelivery)),
                note: "user + system CPU of the process during a round (/proc), divided by its deliveries; the app's includes its background work (snapshots, observations); ratio > 1 is more CPU",
              }),
            ]
          : []),
      ];
    } catch (err) {
      // Which side failed, and what it said last (a crash, a refusal).
      const said = (side: AppProcess | undefined) => side?.output.slice(-5).join(" / ") ?? "";
      throw new Error(`${(err as Error).message}; app exit ${app?.child.exitCode ?? "-"}: ${said(app)}; bare exit ${bare?.child.exitCode ?? "-"}: ${said(bare)}`);
    } finally {
      await app?.stop();
      await bare?.stop();
      await gh.close();
    }
  },
};

/**
 * A burst of 40 check_run.completed deliveries for one PR: the GitHub requests it costs (target:
 * at most 2 GraphQL requests) and the observation lag after the last delivery was acknowledged
 * (target: p95 within DEBOUNCE_MS + 2 s), against the fake GitHub, one fresh PR per run.
 */
export const burstCoalescing: BenchScenario = {
  name: "burst-40",
  issue: 2,
  async run({ quick }) {
    const runs = quick ? 3 : 8;
    const debounceMs = 2000; // the default
    const creds = appCredentials();
    const gh = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey });
    const repo = gh.model.addRepo("burst-org/repo", { requiredChecks: [] });
    const payloads = new WebhookPayloads(gh.model);
    let app: AppProcess | undefined;
    const graphqlPerBurst: number[] = [];
    const requestsPerBurst: number[] = [];
    const lags: number[] = [];
    try {
      app = await startApp({ githubHost: gh.host, env: { DEBOUNCE_MS: String(debounceMs), SWEEP_INTERVAL_MINUTES: "0" } });
      const sender = new WebhookSender({ appUrl: app.url, secret: creds.secret });
      const burst = async (measure: boolean) => {
        const pr = gh.model.openPullRequest(repo, { author: "jules[bot]" });
        const runsOf = Array.from({ length: 40 }, (_, i) => gh.model.completeCheck(pr, `check-${i}`, i % 5 === 0 ? "FAILURE" : "SUCCESS"));
        const prepared = await Promise.all(runsOf.map((r) => sender.prepare(payloads.checkRun(pr, r, "completed"))));
        const since = Date.now();
        const results = await sender.sendAll(prepared, CONCURRENCY);
        const lastAck = performance.now();
        if (results.some((r) => r.status !== 200)) throw new Error(`the app refused deliveries: ${results.map((r) => r.status).join(",")}`);
        const { seenAt } = await waitForJournal(app!.dataDir, (points) =>
          observationsOf(points, repo.fullName, pr.number).find((p) => p.fields["checks_total"] === 40),
          { timeoutMs: debounceMs + 30_000, intervalMs: 10 },
        );
        // Let any trailing fetch (e.g. an UNKNOWN-mergeability retry) happen before counting.
        await sleep(debounceMs + 1500);
        if (!measure) return;
        lags.push(seenAt - lastAck);
        graphqlPerBurst.push(gh.requests.count("POST /graphql", since));
        requestsPerBurst.push(gh.requests.count(undefined, since));
      };
      await burst(false); // warm-up: installation token, repository config
      for (let i = 0; i < runs; i++) await burst(true);
      sender.close();
    } finally {
      await app?.stop();
      await gh.close();
    }
    const p95 = percentile(lags, 95);
    return [
      figure("GraphQL requests per 40-event burst", "requests", graphqlPerBurst, {
        target: "<= 2",
        met: Math.max(...graphqlPerBurst) <= 2,
        note: "the naive design (one snapshot per event) costs 40",
      }),
      figure("all GitHub requests per 40-event burst", "requests", requestsPerBurst, { note: "REST + GraphQL after warm-up (token and config cached)" }),
      figure("observation lag after the last event, p50", "ms", lags, { note: `DEBOUNCE_MS=${debounceMs}; median over ${runs} bursts (min..max of the lags)` }),
      { ...figure("observation lag after the last event, p95", "ms", lags), median: p95, target: `<= ${debounceMs + 2000} ms`, met: p95 <= debounceMs + 2000, note: "p95 (nearest rank) of the same lags" },
    ] satisfies BenchFigure[];
  },
};

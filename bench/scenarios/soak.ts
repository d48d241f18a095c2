import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { appCredentials, ROOT, startApp, type AppProcess } from "../../test/helpers/app-process.js";
import { GitHubModel } from "../../test/helpers/fake-github/index.js";
import { WebhookSender, type PreparedDelivery } from "../../test/helpers/webhook-sender.js";
import { seedBenchModel } from "../seed-bench-model.js";
import { figure, median, type BenchFigure, type BenchScenario } from "../scenario.js";
import { fakeGitHubProcess, mixedDeliveries } from "./webhooks.js";

/** Deliveries in flight at once: enough to keep the app busy on a small machine. */
const CONCURRENCY = 16;
/** The app's heap cap: the issue's "no crash with the heap capped at 256 MB". */
const HEAP_MB = 256;
/** How often RSS is sampled. */
const SAMPLE_MS = 1000;

interface Regime {
  name: string;
  repos: number;
  prsPerRepo: number;
  /** Extra latency of every GraphQL answer, on top of Probot's own pacing (1 GraphQL request/s per installation). */
  graphqlDelayMs: number;
}

/**
 * GitHub keeping up: 20 PRs are 1 aliased query per 2 s window, within Probot's pacing of GraphQL
 * (one request a second per installation). GitHub far behind: 200 PRs need 10 queries per
 * window, and each answer takes 1.5 s more.
 */
const REGIMES: Regime[] = [
  { name: "20 PRs, GitHub keeping up", repos: 2, prsPerRepo: 10, graphqlDelayMs: 0 },
  { name: "200 PRs, GitHub far behind", repos: 4, prsPerRepo: 50, graphqlDelayMs: 1500 },
];

/** VmRSS of a process in MB, from /proc (Linux); NaN elsewhere. */
function rssMb(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface Sample {
  seconds: number;
  deliveries: number;
  rssMb: number;
}

/**
 * Steady signed deliveries for `seconds` (closed loop, CONCURRENCY in flight) against the app
 * started with its heap capped, RSS sampled every second. The signature covers only the body, so
 * a pool of prepared (signed) bodies is reused with a fresh X-GitHub-Delivery id each time.
 */
async function soak(regime: Regime, seconds: number): Promise<{ samples: Sample[]; acked: number; refused: number; crashed: string | undefined; health: unknown }> {
  const gh = await fakeGitHubProcess(regime.repos, regime.prsPerRepo, { graphqlDelayMs: regime.graphqlDelayMs });
  const model = new GitHubModel();
  const prs = seedBenchModel(model, regime.repos, regime.prsPerRepo);
  const creds = appCredentials();
  let app: AppProcess | undefined;
  try {
    app = await startApp({
      githubHost: gh.host,
      entry: [`--max-old-space-size=${HEAP_MB}`, "--import", "tsx", join(ROOT, "src/main.ts")],
      env: { SHUTDOWN_GRACE_MS: "2000", SWEEP_INTERVAL_MINUTES: "0", ...(process.env["BENCH_APP_ENV"] ? JSON.parse(process.env["BENCH_APP_ENV"]) : {}) },
    });
    const sender = new WebhookSender({ appUrl: app.url, secret: creds.secret, maxSockets: CONCURRENCY });
    const pool: PreparedDelivery[] = await Promise.all(mixedDeliveries(model, prs, prs.length * 4).map((d) => sender.prepare(d)));
    let crashed: string | undefined;
    void app.exited.then(({ code, signal }) => (crashed = `exited (code ${code}, signal ${signal})`));
    let deliveries = 0;
    let acked = 0;
    let refused = 0;
    const samples: Sample[] = [];
    const started = performance.now();
    const end = started + seconds * 1000;
    const sampler = setInterval(() => samples.push({ seconds: (performance.now() - started) / 1000, deliveries, rssMb: rssMb(app!.child.pid) }), SAMPLE_MS);
    const worker = async () => {
      for (let i = 0; performance.now() < end && !crashed; i++) {
        const d = pool[(deliveries + i) % pool.length]!;
        deliveries++;
        try {
          const r = await sender.sendPrepared({ ...d, delivery: { ...d.delivery, id: randomUUID() } });
          if (r.status >= 200 && r.status < 300) acked++;
          else refused++;
        } catch {
          refused++;
        }
        // Results are not kept: the load generator must not grow either.
        sender.results.length = 0;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(sampler);
    samples.push({ seconds: (performance.now() - started) / 1000, deliveries, rssMb: rssMb(app.child.pid) });
    sender.close();
    let health: unknown;
    try {
      health = await (await fetch(`${app.url}/health`)).json();
    } catch (err) {
      health = { error: (err as Error).message };
    }
    return { samples, acked, refused, crashed, health };
  } finally {
    await app?.stop();
    await gh.close();
  }
}

/**
 * Memory under steady load, for issue 10 item 6: RSS must stay flat after warm-up whether GitHub
 * keeps up or falls far behind, and the app must not die with its heap capped at 256 MB.
 * BENCH_SOAK_SECONDS sets each regime's duration (default 120; 45 with --quick);
 * BENCH_SOAK_REGIME runs only the regimes whose name contains it (e.g. "200").
 */
export const soakMemory: BenchScenario = {
  name: "soak-memory",
  issue: 10,
  async run({ quick }) {
    const seconds = Number(process.env["BENCH_SOAK_SECONDS"] ?? (quick ? 45 : 120));
    if (!(seconds >= 10)) throw new Error(`BENCH_SOAK_SECONDS must be a number of seconds >= 10, got "${process.env["BENCH_SOAK_SECONDS"]}"`);
    const figures: BenchFigure[] = [];
    const only = process.env["BENCH_SOAK_REGIME"];
    for (const regime of REGIMES.filter((r) => !only || r.name.includes(only))) {
      const { samples, acked, refused, crashed, health } = await soak(regime, seconds);
      // Warm-up: the first 1/11 of the deliveries, so the rest is ten times as many.
      const total = samples.at(-1)!.deliveries;
      const warm = samples.find((s) => s.deliveries >= total / 11) ?? samples[0]!;
      // A sample taken after a crash has no RSS.
      const after = samples.filter((s) => s.seconds > warm.seconds && Number.isFinite(s.rssMb));
      const tail = after.slice(-Math.max(1, Math.floor(after.length / 10)));
      const endRss = median(tail.map((s) => s.rssMb));
      const ratio = endRss / warm.rssMb;
      const rate = total / samples.at(-1)!.seconds;
      const pending = (health as { pending?: number }).pending;
      const note =
        `${total} deliveries in ${Math.round(samples.at(-1)!.seconds)} s (${Math.round(rate)}/s, ${CONCURRENCY} in flight) over ${regime.repos * regime.prsPerRepo} PRs, ` +
        `GraphQL +${regime.graphqlDelayMs} ms, heap capped at ${HEAP_MB} MB; warm-up ${warm.deliveries} deliveries (${Math.round(warm.seconds)} s); ` +
        `RSS at end = median of the last tenth of the samples; pending at end: ${pending ?? "?"}; ${acked} acknowledged, ${refused} not` +
        (crashed ? `; the app CRASHED: ${crashed}` : "");
      figures.push(
        figure(`RSS growth after warm-up (${regime.name})`, "x", [ratio], {
          baseline: { name: "RSS at warm-up, MB", median: warm.rssMb },
          target: "< 1.2x, no crash",
          met: ratio < 1.2 && !crashed && refused === 0,
          note,
        }),
        figure(`RSS after warm-up (${regime.name})`, "MB", after.map((s) => s.rssMb), { note: `min..max over ${after.length} samples, one a second; median shown` }),
      );
    }
    return figures;
  },
};

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { appCredentials, startApp, type AppProcess } from "../../test/helpers/app-process.js";
import { startFakeGitHub, WebhookPayloads, type FakeGitHub, type FakePullRequest } from "../../test/helpers/fake-github/index.js";
import { startInfluxd, type Influxd } from "../../test/helpers/influxd.js";
import { journalPoints } from "../../test/helpers/journal-points.js";
import { startRedisServer, type RedisServer } from "../../test/helpers/redis-server.js";
import { startRoundRobinProxy, type RoundRobinProxy } from "../../test/helpers/round-robin-proxy.js";
import { WebhookSender } from "../../test/helpers/webhook-sender.js";
import { figure, percentile, type BenchFigure, type BenchScenario } from "../scenario.js";

// Issue 15: a simulated large organisation. 20 installations, 1,000 repositories, 10,000 open PRs
// on the fake GitHub with GitHub's budget rules on (GraphQL cost, 5,000 points an hour per
// installation, secondary limits); a steady 10 deliveries a second with bursts of 500 spread over
// as many PRs; against two replicas (Redis + InfluxDB, behind a round-robin proxy) and, for
// comparison, one process with Probot's throttle in its memory (no REDIS_URL). One delivery in 50
// is delivered twice (to the other replica). BENCH_SCALE_SECONDS
// sets the load's length (default 180 s, 45 s with --quick).

const INSTALLATIONS = 20;
const REPOS_PER_INSTALLATION = 50;
const PRS_PER_REPO = 10;
const STEADY_PER_SECOND = 10;
const BURST = 500;
const BURST_EVERY_SECONDS = 30;
const REDELIVER_EVERY = 50;

interface Setup {
  name: string;
  replicas: number;
  redis: boolean;
  influx: boolean;
}

/** The last one is the baseline. The middle one tells Redis's share of a difference from InfluxDB's. */
const SETUPS: Setup[] = [
  { name: "2 replicas, Redis + InfluxDB", replicas: 2, redis: true, influx: true },
  { name: "2 replicas, Redis, journal only", replicas: 2, redis: true, influx: false },
  { name: "1 process, throttle in memory", replicas: 1, redis: false, influx: false },
];

interface Sent {
  pr: FakePullRequest;
  id: string;
  at: number;
  acked: boolean;
}

interface RunResult {
  lagsMs: number[];
  lost: number;
  doubled: number;
  acked: number;
  redelivered: number;
  pointsPerInstallationHour: number[];
  rateLimitErrors: number;
  graphqlRequests: number;
  drainSeconds: number;
}

async function health(url: string): Promise<{ pending: number }> {
  return (await (await fetch(`${url}/health`)).json()) as { pending: number };
}

/** The delivery ids each replica's delivery log accepted (DATA_DIR/deliveries). */
async function acceptedIds(dataDir: string, ids: Set<string>): Promise<Set<string>> {
  const out = new Set<string>();
  const dir = join(dataDir, "deliveries");
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const text = await readFile(join(dir, name), "utf8").catch(() => "");
    for (const m of text.matchAll(/"id":"([^"]+)"/g)) if (ids.has(m[1]!)) out.add(m[1]!);
  }
  return out;
}

async function runSetup(setup: Setup, seconds: number): Promise<RunResult> {
  const creds = appCredentials();
  const gh: FakeGitHub = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey, budget: true });
  const prs: FakePullRequest[] = [];
  for (let i = 0; i < INSTALLATIONS; i++) {
    for (let r = 0; r < REPOS_PER_INSTALLATION; r++) {
      const repo = gh.model.addRepo(`org-${i}/repo-${r}`, { requiredChecks: ["build"] });
      for (let p = 0; p < PRS_PER_REPO; p++) {
        const pr = gh.model.openPullRequest(repo, { author: p % 3 === 0 ? "jules[bot]" : `dev-${p}` });
        gh.model.completeCheck(pr, "build", "SUCCESS");
        prs.push(pr);
      }
    }
  }
  const payloads = new WebhookPayloads(gh.model);
  let redis: RedisServer | undefined;
  let influx: Influxd | undefined;
  const apps: AppProcess[] = [];
  let proxy: RoundRobinProxy | undefined;
  try {
    if (setup.redis) redis = await startRedisServer();
    if (setup.influx) influx = await startInfluxd();
    for (let i = 0; i < setup.replicas; i++) {
      apps.push(
        await startApp({
          githubHost: gh.host,
          env: {
            SWEEP_INTERVAL_MINUTES: "0",
            SHUTDOWN_GRACE_MS: "5000",
            REPLICA_ID: `replica-${i}`,
            ...(redis ? { REDIS_URL: redis.url } : {}),
            ...(influx ? { INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database } : {}),
          },
        }),
      );
    }
    proxy = await startRoundRobinProxy(apps.map((a) => a.url));
    const sender = new WebhookSender({ appUrl: proxy.url, secret: creds.secret, maxSockets: 32 });
    const sent: Sent[] = [];
    let redelivered = 0;
    let next = 0;
    const send = async (pr: FakePullRequest) => {
      const d = payloads.pullRequest(pr, "synchronize");
      const s: Sent = { pr, id: d.id, at: Date.now(), acked: false };
      const index = sent.push(s);
      try {
        s.acked = (await sender.send(d)).status === 200;
        // Every REDELIVER_EVERY-th delivery comes again (GitHub's redelivery, a retrying proxy):
        // round robin sends it to the other replica, whose Redis dedup must refuse it.
        if (index % REDELIVER_EVERY === 0) {
          redelivered++;
          await sender.send(d);
        }
      } catch {
        // not acknowledged
      }
    };
    // Spread over many PRs: walk the PRs in a fixed stride so consecutive deliveries hit different repos and installations.
    const nextPr = () => prs[(next++ * 7919) % prs.length]!;
    gh.requests.reset();
    const started = Date.now();
    const inFlight: Array<Promise<void>> = [];
    for (let second = 0; second < seconds; second++) {
      const tickEnd = started + (second + 1) * 1000;
      if (second > 0 && second % BURST_EVERY_SECONDS === 0) {
        const burst = Array.from({ length: BURST }, nextPr);
        for (let i = 0; i < burst.length; i += 32) inFlight.push(...burst.slice(i, i + 32).map(send));
      }
      for (let i = 0; i < STEADY_PER_SECOND; i++) {
        inFlight.push(send(nextPr()));
        await sleep(1000 / STEADY_PER_SECOND / 2);
      }
      const left = tickEnd - Date.now();
      if (left > 0) await sleep(left);
    }
    await Promise.all(inFlight);
    const loadEnd = Date.now();
    // Drain: until every replica has nothing pending (at most 10 minutes).
    for (let idle = 0; idle < 2 && Date.now() - loadEnd < 600_000; ) {
      const all = await Promise.all(apps.map((a) => health(a.url).catch(() => ({ pending: 1 }))));
      idle = all.every((h) => h.pending === 0) ? idle + 1 : 0;
      await sleep(1000);
    }
    const drainSeconds = (Date.now() - loadEnd) / 1000;
    sender.close();

    // Lag: from a delivery's sending to its PR's first observation made after it.
    const observations = new Map<string, number[]>();
    for (const app of apps) {
      for (const p of (await journalPoints(app.dataDir)).points) {
        if (p.measurement !== "pr_observation") continue;
        const key = `${p.tags["repo"]}#${p.tags["pr"]}`;
        const list = observations.get(key) ?? [];
        list.push(p.time.getTime());
        observations.set(key, list);
      }
    }
    for (const list of observations.values()) list.sort((a, b) => a - b);
    const lagsMs: number[] = [];
    let lost = 0;
    const acked = sent.filter((s) => s.acked);
    for (const s of acked) {
      const obs = observations.get(`${s.pr.repo.fullName}#${s.pr.number}`)?.find((t) => t >= s.at - 5);
      if (obs === undefined) lost++;
      else lagsMs.push(obs - s.at);
    }
    const ids = new Set(acked.map((s) => s.id));
    const accepted = await Promise.all(apps.map((a) => acceptedIds(a.dataDir, ids)));
    let doubled = 0;
    for (const id of ids) if (accepted.filter((set) => set.has(id)).length > 1) doubled++;
    const hours = (loadEnd - started) / 3_600_000;
    const byInstallation = new Map<number, number>();
    for (const e of gh.requests.entries) {
      if (e.installationId !== undefined && e.points !== undefined && !e.fault) byInstallation.set(e.installationId, (byInstallation.get(e.installationId) ?? 0) + e.points);
    }
    return {
      lagsMs,
      lost,
      doubled,
      acked: acked.length,
      redelivered,
      pointsPerInstallationHour: [...byInstallation.values()].map((p) => p / hours),
      rateLimitErrors: gh.budget!.breaches.primary + gh.budget!.breaches.secondary,
      graphqlRequests: gh.requests.count("POST /graphql"),
      drainSeconds,
    };
  } finally {
    await proxy?.close();
    await Promise.all(apps.map((a) => a.stop()));
    await redis?.close();
    await influx?.close();
    await gh.close();
  }
}

export const scaleOut: BenchScenario = {
  name: "scale-out",
  issue: 15,
  async run({ quick }) {
    const seconds = Number(process.env["BENCH_SCALE_SECONDS"] ?? (quick ? 45 : 180));
    const figures: BenchFigure[] = [];
    const results: Array<{ setup: Setup; r: RunResult }> = [];
    for (const setup of SETUPS) results.push({ setup, r: await runSetup(setup, seconds) });
    const base = results.at(-1)!;
    for (const { setup, r } of results) {
      const p95 = percentile(r.lagsMs, 95) / 1000;
      const p50 = percentile(r.lagsMs, 50) / 1000;
      const isBase = setup === base.setup;
      figures.push(
        figure(`${setup.name}: observation lag p50`, "s", [p50], isBase ? {} : { baseline: { name: base.setup.name, median: percentile(base.r.lagsMs, 50) / 1000 } }),
        figure(`${setup.name}: observation lag p95`, "s", [p95], { target: "< 10 s", met: p95 < 10, ...(isBase ? {} : { baseline: { name: base.setup.name, median: percentile(base.r.lagsMs, 95) / 1000 } }) }),
        figure(`${setup.name}: GitHub points per installation per hour (max)`, "points", [Math.max(0, ...r.pointsPerInstallationHour)], { target: "<= 5000", met: Math.max(0, ...r.pointsPerInstallationHour) <= 5000 }),
        figure(`${setup.name}: rate-limit errors`, "requests", [r.rateLimitErrors], { target: "0", met: r.rateLimitErrors === 0 }),
        figure(`${setup.name}: deliveries lost`, "deliveries", [r.lost], { target: "0", met: r.lost === 0, note: `${r.acked} acknowledged (${r.redelivered} of them delivered twice), ${r.graphqlRequests} GraphQL requests, drained ${r.drainSeconds.toFixed(0)} s after the load` }),
        figure(`${setup.name}: deliveries doubled (accepted by two replicas)`, "deliveries", [r.doubled], { target: "0", met: r.doubled === 0 }),
      );
    }
    return figures;
  },
};

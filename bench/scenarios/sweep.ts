import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Probot, ProbotOctokit } from "probot";
import { noAttempts } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { fetchSnapshots } from "../../src/github/fetch-snapshots.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { observationPoint } from "../../src/pipeline/observation-point.js";
import { openStore } from "../../src/store/open-store.js";
import type { Point } from "../../src/store/point.js";
import { installationTargets } from "../../src/sweep/installation-targets.js";
import { runSweep } from "../../src/sweep/run-sweep.js";
import type { SweepSummary } from "../../src/sweep/sweep-summary.js";
import { appCredentials } from "../../test/helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub, type FakePullRequest } from "../../test/helpers/fake-github/index.js";
import { silentLog } from "../../test/helpers/silent-log.js";
import { figure, type BenchFigure, type BenchScenario } from "../scenario.js";

const REPOS = 10;
const PRS_PER_REPO = 100;
const log = silentLog();

/** Probot's octokit without client-side pacing: how `gh` (the original design's client) calls GitHub. */
const UnpacedOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { enabled: false } }));

/** 10 repositories x 100 open PRs of one installation, each PR with a passing and a pending check. */
async function seededGitHub(): Promise<{ gh: FakeGitHub; prs: FakePullRequest[] }> {
  const creds = appCredentials();
  const gh = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey });
  const prs: FakePullRequest[] = [];
  for (let r = 0; r < REPOS; r++) {
    const repo = gh.model.addRepo(`bench-org/repo-${r}`, { requiredChecks: ["build"] });
    for (let i = 0; i < PRS_PER_REPO; i++) {
      const pr = gh.model.openPullRequest(repo, { author: i % 3 === 0 ? "jules[bot]" : `dev-${i}` });
      gh.model.completeCheck(pr, "build", "SUCCESS");
      gh.model.addCheckRun(pr, "e2e");
      prs.push(pr);
    }
  }
  return { gh, prs };
}

/** The fake GitHub as the bench's app sees it: through the config-query stand-in below. */
interface BenchGitHub {
  gh: FakeGitHub;
  restUrl: string;
  /** RepoConfigs queries the stand-in answered (GitHub requests the fake did not see). */
  configQueries: number;
  requests(): number;
  byRoute(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * test/helpers/fake-github does not model `Repository.object` (it fails the query loudly), so
 * this loopback stand-in answers the sweep's batched config query from the model's files, the
 * way GitHub does (a Blob's text, null when there is no file, NOT_FOUND for a missing `.github`
 * repository), and forwards every other request to the fake unchanged. Drop it once the fake
 * models `object(expression:)`.
 */
async function behindConfigStandIn(gh: FakeGitHub): Promise<BenchGitHub> {
  let configQueries = 0;
  const body = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const server = createServer(async (req, res) => {
    const raw = await body(req);
    if (req.method === "POST" && req.url === "/api/graphql") {
      const parsed = JSON.parse(raw.toString("utf8")) as { query: string; variables: Record<string, string> };
      if (parsed.query.startsWith("query RepoConfigs")) {
        configQueries++;
        const data: Record<string, unknown> = { rateLimit: { cost: 1, remaining: 4999, resetAt: new Date(Date.now() + 3_600_000).toISOString() } };
        const errors: unknown[] = [];
        for (const m of parsed.query.matchAll(/(r|g)(\d+): repository\(owner: \$(o\d+), name: \$(n\d+|defaults)\)/g)) {
          const alias = `${m[1]}${m[2]}`;
          const fullName = `${parsed.variables[m[3]!]}/${parsed.variables[m[4]!]}`;
          const repo = gh.model.repos.get(fullName);
          if (!repo) {
            data[alias] = null;
            errors.push({ type: "NOT_FOUND", path: [alias], locations: [{ line: 2, column: 3 }], message: `Could not resolve to a Repository with the name '${fullName}'.` });
            continue;
          }
          const text = repo.files.get(".github/pr-telemetry.yml");
          data[alias] = { file: text === undefined ? null : { __typename: "Blob", text } };
        }
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(errors.length ? { data, errors } : { data }));
        return;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
    const answer = await fetch(`${gh.url}${req.url}`, { method: req.method, headers, body: raw.length ? raw : undefined });
    const out: Record<string, string> = {};
    answer.headers.forEach((v, k) => {
      if (k !== "content-encoding" && k !== "content-length" && k !== "transfer-encoding" && k !== "connection") out[k] = v;
    });
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    gh,
    restUrl: `http://127.0.0.1:${port}/api/v3`,
    get configQueries() {
      return configQueries;
    },
    requests: () => gh.requests.count() + configQueries,
    byRoute: () => ({ ...gh.requests.byRoute(), "POST /graphql (RepoConfigs, stand-in)": configQueries }),
    reset() {
      gh.requests.reset();
      configQueries = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function probot(github: BenchGitHub, paced: boolean): Probot {
  const creds = appCredentials();
  return new Probot({ appId: creds.appId, privateKey: creds.privateKey, baseUrl: github.restUrl, log, ...(paced ? {} : { Octokit: UnpacedOctokit }) });
}

/** One sweep of every installation as the scheduler runs it, into a fresh journal (or `dataDir`). */
async function sweepOnce(github: BenchGitHub, paced: boolean, dataDir?: string): Promise<{ summary: SweepSummary; ms: number; requests: number; byRoute: Record<string, number> }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "bench-sweep-")));
  const store = await openStore(loadConfig({ DATA_DIR: dir }), log);
  const app = probot(github, paced);
  github.reset();
  const started = performance.now();
  try {
    const found = await installationTargets((id) => app.auth(id), log);
    const summary = await runSweep({
      targets: found.targets,
      store,
      attempts: noAttempts,
      repoConfigs: new RepoConfigCache(300_000),
      log,
      setupRequests: found.requests,
      setupFailures: found.failures,
    });
    const ms = performance.now() - started;
    if (summary.failures.length) throw new Error(`sweep failed: ${JSON.stringify(summary.failures)}`);
    return { summary, ms, requests: github.requests(), byRoute: github.byRoute() };
  } finally {
    await store.close();
    if (!dataDir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The original design's way, for comparison: per repository one listing of the open PR numbers
 * (`gh pr list`), then one call per PR (`gh pr view`), i.e. N+1 requests a repository. Each call
 * fetches the same snapshot the app uses, so the two write the same observations.
 */
async function onePerPr(github: BenchGitHub): Promise<{ ms: number; requests: number; observations: number }> {
  const gh = github.gh;
  const app = probot(github, false);
  github.reset();
  const started = performance.now();
  const octokit = await app.auth([...gh.model.installations.keys()][0]!);
  const points: Point[] = [];
  for (const repo of gh.model.repos.values()) {
    const numbers: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { repository: { pullRequests: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Array<{ number: number }> } } } = await octokit.graphql(
        `query($owner: String!, $name: String!, $after: String) { repository(owner: $owner, name: $name) { pullRequests(states: OPEN, first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { number } } } }`,
        { owner: repo.owner.login, name: repo.name, after },
      );
      numbers.push(...page.repository.pullRequests.nodes.map((n) => n.number));
      if (!page.repository.pullRequests.pageInfo.hasNextPage) break;
      after = page.repository.pullRequests.pageInfo.endCursor;
    }
    for (const number of numbers) {
      const target = { owner: repo.owner.login, repo: repo.name, number };
      const snap = (await fetchSnapshots((q, v) => octokit.graphql(q, v), [target])).get(`${repo.fullName}#${number}`);
      if (snap) points.push(observationPoint(snap, new Date(), { trigger: "sweep", conflictAttempts: 0, reviewFixAttempts: 0 }));
    }
  }
  return { ms: performance.now() - started, requests: github.requests(), observations: points.length };
}

/**
 * A sweep of 1,000 open PRs over 10 repositories of one installation on the loopback fake GitHub
 * (GraphQL executed against GitHub's real schema), with Probot's default octokit (retry and
 * throttling plugins: GraphQL paced at one request a second per installation). GitHub requests
 * are counted by the fake. The original design's one-call-per-PR approach runs in the same
 * process on the same data, unpaced as `gh` is; its paced time is derived from its request count.
 */
export const sweepBench: BenchScenario = {
  name: "sweep",
  issue: 5,
  async run({ quick }) {
    const runs = quick ? 1 : 3;
    const { gh, prs } = await seededGitHub();
    const github = await behindConfigStandIn(gh);
    const totalPrs = prs.length;
    const requestTarget = (2 * totalPrs) / 100 + REPOS + 1;
    try {
      const paced: Awaited<ReturnType<typeof sweepOnce>>[] = [];
      const unpaced: Awaited<ReturnType<typeof sweepOnce>>[] = [];
      const baseline: Awaited<ReturnType<typeof onePerPr>>[] = [];
      for (let i = 0; i < runs; i++) {
        paced.push(await sweepOnce(github, true));
        unpaced.push(await sweepOnce(github, false));
        baseline.push(await onePerPr(github));
      }
      for (const r of [...paced, ...unpaced]) {
        if (r.summary.openPrs !== totalPrs || r.summary.observationsWritten !== totalPrs) throw new Error(`sweep saw ${r.summary.openPrs} PRs, wrote ${r.summary.observationsWritten}`);
      }
      if (baseline.some((b) => b.observations !== totalPrs)) throw new Error("baseline missed PRs");

      // Gap-fill: one PR per repository merged while the app saw nothing; the next sweep fills the outcomes.
      const dir = await mkdtemp(join(tmpdir(), "bench-sweep-gap-"));
      let gap: Awaited<ReturnType<typeof sweepOnce>>;
      try {
        await sweepOnce(github, false, dir);
        for (let r = 0; r < REPOS; r++) gh.model.merge(prs[r * PRS_PER_REPO]!);
        gap = await sweepOnce(github, false, dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }

      const pacedRequests = paced.map((r) => r.requests);
      const baselineRequests = baseline.map((b) => b.requests);
      const requestsMedian = figure("x", "", pacedRequests).median;
      const pacedSeconds = paced.map((r) => r.ms / 1000);
      const baselineMedian = figure("x", "", baselineRequests).median;
      const figures: BenchFigure[] = [
        figure(`GitHub requests, sweep of ${totalPrs} PRs / ${REPOS} repos`, "requests", pacedRequests, {
          baseline: { name: "one call per PR (N+1)", median: baselineMedian },
          ratio: requestsMedian / baselineMedian,
          target: `<= ${requestTarget} (2 per 100 PRs + 1 per repo and installation)`,
          met: requestsMedian <= requestTarget,
          note: `by route: ${JSON.stringify(paced[0]!.byRoute)}; summary.githubRequests=${paced[0]!.summary.githubRequests}`,
        }),
        figure("sweep wall time, Probot default pacing", "s", pacedSeconds, {
          baseline: { name: "one call per PR at the same pacing (derived: requests x 1 s)", median: baselineMedian },
          ratio: figure("x", "", pacedSeconds).median / baselineMedian,
          target: "< 30 s",
          met: figure("x", "", pacedSeconds).median < 30,
        }),
        figure("sweep wall time, unpaced", "s", unpaced.map((r) => r.ms / 1000), {
          baseline: { name: "one call per PR, unpaced (as gh)", median: figure("x", "", baseline.map((b) => b.ms / 1000)).median },
          ratio: figure("x", "", unpaced.map((r) => r.ms)).median / figure("x", "", baseline.map((b) => b.ms)).median,
        }),
        figure("one call per PR: GitHub requests", "requests", baselineRequests),
        figure("gap-fill: outcomes filled (10 merges unseen)", "outcomes", [gap.summary.outcomesFilled], {
          note: `that sweep's requests: ${gap.requests} (${JSON.stringify(gap.byRoute)})`,
        }),
      ];
      return figures;
    } finally {
      await github.close();
      await gh.close();
    }
  },
};

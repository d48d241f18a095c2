import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Probot } from "probot";
import { runBackfill } from "../../src/backfill/run-backfill.js";
import type { BackfillSummary } from "../../src/backfill/backfill-summary.js";
import { loadConfig } from "../../src/config.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { openStore } from "../../src/store/open-store.js";
import { installationTargets } from "../../src/sweep/installation-targets.js";
import { appCredentials } from "../../test/helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../../test/helpers/fake-github/index.js";
import { silentLog } from "../../test/helpers/silent-log.js";
import { figure, type BenchFigure, type BenchScenario } from "../scenario.js";

const REPOS = 10;
const PRS_PER_REPO = 100;
const log = silentLog();

/**
 * 10 repositories x 100 closed pull requests of one installation, each with 30 timeline items
 * (ready for review, 3 commits, 2 review requests, 3 reviews, 12 labels, 4 removed, 3 comments,
 * merged and closed, or closed) and 5 check runs on each of its 3 commits; orchestrator `orc`
 * requests a review, labels, comments (two of them attempts) and merges or closes.
 */
async function seededGitHub(): Promise<FakeGitHub> {
  const creds = appCredentials();
  // A clock 7 s further at each reading, from 10 days ago: the lives are spread over days, each
  // event in a second of its own, as on GitHub (the real clock would put a whole life in one second).
  let t = Date.now() - 10 * 86_400_000;
  const gh = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey, clock: () => new Date((t += 7_000)) });
  const m = gh.model;
  for (let r = 0; r < REPOS; r++) {
    const repo = m.addRepo(`bench-org/repo-${r}`, { requiredChecks: ["build"] });
    for (let i = 0; i < PRS_PER_REPO; i++) {
      const pr = m.openPullRequest(repo, { author: i % 3 === 0 ? "jules[bot]" : `dev-${i % 7}`, draft: true });
      m.markReadyForReview(pr);
      for (let c = 0; c < 3; c++) {
        if (c > 0) m.pushCommit(pr);
        for (let k = 0; k < 5; k++) m.completeCheck(pr, ["build", "test", "lint", "e2e", "docs"][k]!, k === 3 && c === 0 ? "FAILURE" : "SUCCESS");
      }
      m.requestReview(pr, "alice", "orc");
      m.requestReview(pr, "bob");
      m.submitReview(pr, "alice", "CHANGES_REQUESTED");
      m.submitReview(pr, "alice", "APPROVED");
      m.submitReview(pr, "bob", "COMMENTED");
      for (let l = 0; l < 12; l++) m.addLabel(pr, `label-${l}`, l === 0 ? "orc" : pr.author);
      for (let l = 0; l < 4; l++) m.removeLabel(pr, `label-${l}`);
      m.addComment(pr, "orc", "Please fix the merge conflicts");
      m.addComment(pr, "alice", "Looks good");
      m.addComment(pr, "orc", "Please address the review comments");
      if (i % 2) m.merge(pr, "orc");
      else m.close(pr, "orc");
    }
  }
  return gh;
}

/** One backfill of every closed PR of the installation, as `pr-telemetry backfill` runs it (Probot's default octokit: retries and throttling on). */
async function backfillOnce(gh: FakeGitHub): Promise<{ summary: BackfillSummary; ms: number; requests: number }> {
  const creds = appCredentials();
  const dir = await mkdtemp(join(tmpdir(), "bench-backfill-"));
  const config = loadConfig({ DATA_DIR: dir, ORCHESTRATOR_LOGINS: "orc" });
  const store = await openStore(config, log);
  const app = new Probot({ appId: creds.appId, privateKey: creds.privateKey, baseUrl: gh.restUrl, log });
  gh.requests.reset();
  const started = performance.now();
  try {
    const found = await installationTargets((id) => app.auth(id), log);
    const summary = await runBackfill({
      targets: found.targets,
      store,
      repoConfigs: new RepoConfigCache(300_000),
      orchestratorLogins: config.orchestratorLogins,
      dataDir: dir,
      log,
      since: new Date(Date.now() - 11 * 86_400_000),
      until: new Date(),
      states: ["CLOSED", "MERGED"],
      setupRequests: found.requests,
    });
    const ms = performance.now() - started;
    if (summary.failures.length || summary.stoppedEarly) throw new Error(`backfill incomplete: ${JSON.stringify(summary.failures)} ${summary.stoppedEarly ?? ""}`);
    return { summary, ms, requests: gh.requests.count() };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Issue 12: a history backfill of 1,000 closed PRs over 10 repositories on the local fake GitHub. */
export const backfillBench: BenchScenario = {
  name: "backfill",
  issue: 12,
  async run({ quick }) {
    const gh = await seededGitHub();
    try {
      const runs = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) runs.push(await backfillOnce(gh));
      const prs = runs[0]!.summary.prsDone;
      const per100 = runs.map((r) => (r.requests / prs) * 100);
      const points = runs.map((r) => r.summary.observationsWritten + r.summary.outcomesWritten + r.summary.actionsWritten);
      const seconds = runs.map((r) => r.ms / 1000);
      const figures: BenchFigure[] = [
        figure(`GitHub requests per 100 PRs (${prs} closed PRs, ${REPOS} repos)`, "requests", per100, {
          target: "<= 15",
          met: figure("x", "", per100).median <= 15,
          note: `all requests, installation listing and config reads included: ${runs.map((r) => r.requests).join(", ")}; the original design cannot backfill (no history at all: its dataset starts on the day it is installed)`,
        }),
        figure("backfill wall time, Probot default pacing", "s", seconds, { target: "< 180", met: figure("x", "", seconds).median < 180 }),
        figure("points written per second", "points/s", runs.map((r, i) => points[i]! / (r.ms / 1000)), {
          note: `points per run: ${points.join(", ")} (${runs[0]!.summary.observationsWritten} observations, ${runs[0]!.summary.outcomesWritten} outcomes, ${runs[0]!.summary.actionsWritten} actions)`,
        }),
      ];
      return figures;
    } finally {
      await gh.close();
    }
  },
};

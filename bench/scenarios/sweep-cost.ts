import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appCredentials, runCliProcess } from "../../test/helpers/app-process.js";
import { startFakeGitHub } from "../../test/helpers/fake-github/index.js";
import { figure, median, type BenchScenario } from "../scenario.js";

/**
 * GitHub requests one `pr-telemetry sweep` (the CLI, as the app) costs for 1,000 open PRs over
 * 10 repositories, against the fake GitHub; the original design fetched each PR on its own: at
 * least one request per PR (1,000), before listing them.
 */
export const sweepCost: BenchScenario = {
  name: "sweep-1000",
  issue: 7,
  async run({ quick }) {
    const runs = quick ? 1 : 3;
    const creds = appCredentials();
    const gh = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey });
    let prs = 0;
    for (let r = 0; r < 10; r++) {
      const repo = gh.model.addRepo(`sweep-org/repo-${r}`, { requiredChecks: ["build"] });
      for (let i = 0; i < 100; i++) {
        const pr = gh.model.openPullRequest(repo, { author: i % 4 ? `dev-${i % 7}` : "jules[bot]", draft: i % 10 === 0 });
        gh.model.completeCheck(pr, "build", i % 5 ? "SUCCESS" : "FAILURE");
        if (i % 3 === 0) gh.model.submitReview(pr, "alice", "APPROVED");
        if (i % 4 === 0) gh.model.addReviewThread(pr, "bob");
        prs++;
      }
    }
    const requests: number[] = [];
    const graphql: number[] = [];
    const seconds: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        const dataDir = await mkdtemp(join(tmpdir(), "pr-telemetry-bench-sweep-"));
        const since = Date.now();
        const run = await runCliProcess(["sweep", "--json"], { githubHost: gh.host, dataDir, timeoutMs: 300_000 });
        if (run.code !== 0) throw new Error(`sweep exited ${run.code}: ${run.stderr.slice(-500)}`);
        const summary = JSON.parse(run.stdout) as { openPrs: number };
        if (summary.openPrs !== prs) throw new Error(`the sweep saw ${summary.openPrs} open PRs, not ${prs}`);
        seconds.push((Date.now() - since) / 1000);
        requests.push(gh.requests.count(undefined, since));
        graphql.push(gh.requests.count("POST /graphql", since));
      }
    } finally {
      await gh.close();
    }
    const perPr = { name: "one request per PR (original design)", median: prs };
    return [
      figure("GitHub requests per sweep of 1,000 PRs", "requests", requests, {
        baseline: perPr,
        ratio: median(requests) / prs,
        note: "all requests the CLI made (token, installations, repositories, config, GraphQL pages); ratio < 1 is fewer",
      }),
      figure("GraphQL requests per sweep of 1,000 PRs", "requests", graphql),
      figure("sweep wall time, 1,000 PRs", "s", seconds, { note: "includes CLI start-up and Probot's GraphQL pacing (about one request a second)" }),
    ];
  },
};

import type { FakePullRequest, GitHubModel } from "../test/helpers/fake-github/index.js";

/**
 * The benchmark's GitHub: `repos` x `prsPerRepo` open PRs, each with a passing required check and
 * a running one. Deterministic (numbers, ids and shas follow the call order), so a model seeded
 * in the benchmark process (to build payloads) matches one seeded in the fake GitHub's process.
 */
export function seedBenchModel(model: GitHubModel, repos: number, prsPerRepo: number): FakePullRequest[] {
  const prs: FakePullRequest[] = [];
  for (let r = 0; r < repos; r++) {
    const repo = model.addRepo(`bench-org/repo-${r}`, { requiredChecks: ["build"] });
    for (let i = 0; i < prsPerRepo; i++) {
      const pr = model.openPullRequest(repo, { author: i % 3 === 0 ? "jules[bot]" : `dev-${i}` });
      model.completeCheck(pr, "build", "SUCCESS");
      model.addCheckRun(pr, "e2e");
      model.setStatus(pr, "ci/legacy", "SUCCESS");
      prs.push(pr);
    }
  }
  return prs;
}

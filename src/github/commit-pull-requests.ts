import type { ProbotOctokit } from "probot";
import { SNAPSHOT_NEXT, toGitHubError } from "./describe-github-failure.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * Finds the open PRs of `owner/repo` whose commits include `sha`, for check and status events
 * that do not name their PRs (PRs from forks; `status` never does). Look-ups are shared for
 * ttlMs, so a burst of 40 check runs on one commit costs one request. A failure is a
 * GitHubError worded as the snapshot's are (describe-github-failure.ts).
 */
export class CommitPullRequests {
  #cache = new Map<string, { at: number; prs: Promise<number[]> }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  find(octokit: Octokit, owner: string, repo: string, sha: string): Promise<number[]> {
    const key = `${owner}/${repo}@${sha}`;
    const now = this.clock();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.prs;
    const prs = octokit.rest.repos
      .listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 })
      .then(
        ({ data }) => data.filter((pr) => pr.state === "open" && pr.base.repo.full_name.toLowerCase() === `${owner}/${repo}`.toLowerCase()).map((pr) => pr.number),
        (error: unknown) => {
          throw toGitHubError(error, [`${owner}/${repo}`], `could not find the pull requests of commit ${sha} in ${owner}/${repo}`, SNAPSHOT_NEXT);
        },
      );
    this.#cache.set(key, { at: now, prs });
    prs.catch(() => this.#cache.delete(key));
    if (this.#cache.size > 5000) {
      for (const [k, v] of this.#cache) if (now - v.at >= this.ttlMs) this.#cache.delete(k);
    }
    return prs;
  }
}

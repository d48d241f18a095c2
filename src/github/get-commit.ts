import type { ProbotOctokit } from "probot";

/** A commit of `owner/repo` by sha (REST git commit: its parents, message, author and committer). */
export async function getCommit(octokit: Pick<ProbotOctokit, "rest">, owner: string, repo: string, sha: string) {
  return (await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha })).data;
}

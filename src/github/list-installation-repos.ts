import type { ProbotOctokit } from "probot";

/** Every repository an installation's octokit can see (REST, 100 a page), archived ones apart. */
export async function listInstallationRepos(octokit: ProbotOctokit): Promise<{ repos: string[]; archived: string[] }> {
  const repos: string[] = [];
  const archived: string[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })) {
    for (const repo of page.data) (repo.archived ? archived : repos).push(repo.full_name);
  }
  return { repos, archived };
}

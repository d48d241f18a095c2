import type { Logger, ProbotOctokit } from "probot";
import type { Config } from "../config.js";
import { InputError } from "../errors.js";
import { toGitHubError } from "../github/describe-github-failure.js";
import { cliGitHub } from "../github/github-auth.js";
import { REPO_NAME } from "../github/repo-name.js";
import { installationTargets } from "../sweep/installation-targets.js";
import type { SweepTarget } from "../sweep/run-sweep.js";
import type { SweepFailure } from "../sweep/sweep-summary.js";

/** Who the command reads GitHub as, and what it reads: as `sweep` does (the same rules and messages). */
export interface CliTargets {
  targets: SweepTarget[];
  setupRequests: number;
  setupFailures: SweepFailure[];
}

/**
 * The GitHub targets of a CLI command that reads repositories: the app (APP_ID + PRIVATE_KEY) for
 * every installation, or `--installation`, narrowed by `--repo`; or GITHUB_TOKEN for the repositories
 * named with `--repo` (required then). GHE_HOST/GHE_PROTOCOL are honoured by cliGitHub.
 */
export async function cliTargets(
  config: Config,
  log: Logger,
  args: { repo?: string[] | undefined; installation?: number | undefined },
  command: string,
  Octokit?: typeof ProbotOctokit,
): Promise<CliTargets> {
  const repos = args.repo ?? [];
  for (const repo of repos) {
    if (!REPO_NAME.test(repo)) throw new InputError(`--repo must be owner/name, e.g. dappcore/core; got "${repo}"`, "repo");
  }
  if (args.installation !== undefined && (!Number.isInteger(args.installation) || args.installation <= 0)) {
    throw new InputError(`--installation must be an installation id (a positive whole number); got "${args.installation}"`, "installation");
  }
  const github = cliGitHub(config, log, Octokit);
  if (github.mode === "token") {
    if (!repos.length) {
      throw new InputError(
        `GITHUB_TOKEN cannot list an app's installations: name each repository with --repo owner/name, or set APP_ID and PRIVATE_KEY to ${command} every installation`,
        "repo",
      );
    }
    if (args.installation !== undefined) {
      throw new InputError("--installation needs the app's credentials (APP_ID and PRIVATE_KEY); with GITHUB_TOKEN name the repositories with --repo", "installation");
    }
    return { targets: [{ name: "GITHUB_TOKEN", octokit: await github.probot.auth(), repos }], setupRequests: 0, setupFailures: [] };
  }
  try {
    const found = await installationTargets((id) => github.probot.auth(id), log, { installationId: args.installation, repos });
    return { targets: found.targets, setupRequests: found.requests, setupFailures: found.failures };
  } catch (error) {
    throw toGitHubError(error, [], "could not list the app's installations");
  }
}

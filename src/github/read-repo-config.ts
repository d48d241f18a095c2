import type { ProbotOctokit } from "probot";
import { splitRepo } from "./repo-name.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";

/**
 * A repository's raw `.github/pr-telemetry.yml`, read as Probot's context.config reads it
 * (@probot/octokit-plugin-config: the repository's file, else the owner's `.github` repository,
 * `_extends` followed); null when neither has one.
 */
export async function readRepoConfig(octokit: Pick<ProbotOctokit, "config">, repo: string): Promise<unknown> {
  const [owner, name] = splitRepo(repo);
  const { config, files } = await octokit.config.get({ owner, repo: name, path: `.github/${REPO_CONFIG_FILE}` });
  return files.every((file) => file.config === null) ? null : config;
}

import type { ProbotOctokit } from "probot";
import { parse } from "yaml";
import { graphqlClient, type GraphqlClient, type GraphqlRateLimit } from "../github/graphql-client.js";
import { networkFailureOf } from "../github/describe-github-failure.js";
import { buildRepoConfigsQuery, REPO_CONFIGS_PER_QUERY } from "../github/queries/repo-configs.js";
import { splitRepo } from "../github/repo-name.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";
import { readRepoConfig } from "../github/read-repo-config.js";

type FileAnswer = { file: { text?: string | null } | null } | null;

/**
 * A reader per repository for RepoConfigCache.get, all served by one lazy batched query (asked
 * only when a repository's cached config has expired). A file with `_extends`, or a batch GitHub
 * refused, falls back to Probot's own reader for that repository, so the result is always what
 * context.config gives: the repository's file, else the owner's `.github` one, else null.
 */
export function batchedConfigReaders(
  octokit: ProbotOctokit,
  repos: string[],
  onRateLimit?: (rateLimit: GraphqlRateLimit) => void,
  client: GraphqlClient = graphqlClient(octokit.graphql),
): (repo: string) => () => Promise<unknown> {
  let batch: Promise<Map<string, string | null>> | undefined;
  const load = async (): Promise<Map<string, string | null>> => {
    const texts = new Map<string, string | null>();
    for (let i = 0; i < repos.length; i += REPO_CONFIGS_PER_QUERY) {
      const chunk = repos.slice(i, i + REPO_CONFIGS_PER_QUERY);
      const { query, variables, aliases } = buildRepoConfigsQuery(chunk);
      // NOT_FOUND for a repository (an owner without a .github repository, a repository gone): its
      // alias is null in the partial data, which means "no file"; any other failure throws.
      const data = await client.data<Record<string, unknown>>(query, variables, { targets: chunk, tolerate: (e) => e.type === "NOT_FOUND" });
      if (data.rateLimit) onRateLimit?.(data.rateLimit as GraphqlRateLimit);
      for (const [key, alias] of aliases) texts.set(key.toLowerCase(), (data[alias] as FileAnswer)?.file?.text ?? null);
    }
    return texts;
  };
  return (repo) => async () => {
    batch ??= load();
    let texts: Map<string, string | null>;
    try {
      texts = await batch;
    } catch (error) {
      // GitHub unreachable: Probot's reader would wait out the same retries to fail the same way.
      if (networkFailureOf(error)) throw error;
      return readRepoConfig(octokit, repo);
    }
    const own = texts.get(repo.toLowerCase());
    const text = own ?? texts.get(`${splitRepo(repo)[0].toLowerCase()}/.github`) ?? null;
    if (text === null) return null;
    const config: unknown = parse(text) ?? {};
    if (typeof config !== "object" || config === null) throw new Error(`.github/${REPO_CONFIG_FILE} is not a YAML mapping`);
    if ("_extends" in config) return readRepoConfig(octokit, repo);
    return config;
  };
}

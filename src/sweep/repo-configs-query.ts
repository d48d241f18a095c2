import type { ProbotOctokit } from "probot";
import { parse } from "yaml";
import { networkFailure } from "../github/network-failure.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";
import type { GraphqlRateLimit } from "./open-pull-requests-query.js";
import { readRepoConfig, splitRepo } from "./read-repo-config.js";

/** Repositories whose config files one query reads (each is a tiny `object` lookup). */
export const REPO_CONFIGS_PER_QUERY = 50;

const EXPRESSION = `HEAD:.github/${REPO_CONFIG_FILE}`;

/**
 * `.github/pr-telemetry.yml` of many repositories, and of each owner's `.github` repository (the
 * org-wide default), in one GraphQL query: `r0: repository(...) { file: object(expression:
 * "HEAD:.github/pr-telemetry.yml") { ... on Blob { text } } }`. Reading them one by one as
 * Probot's context.config does costs two REST requests per repository without a file, as many
 * as the sweep's own pages; this costs one request per 50 repositories.
 */
export function buildRepoConfigsQuery(repos: string[]): { query: string; variables: Record<string, unknown>; aliases: Map<string, string> } {
  const variables: Record<string, unknown> = { expression: EXPRESSION, defaults: ".github" };
  const params = ["$expression: String!", "$defaults: String!"];
  const fields: string[] = [];
  const aliases = new Map<string, string>();
  const owners = new Map<string, string>();
  repos.forEach((repo, i) => {
    const [owner, name] = splitRepo(repo);
    variables[`o${i}`] = owner;
    variables[`n${i}`] = name;
    params.push(`$o${i}: String!`, `$n${i}: String!`);
    fields.push(`  r${i}: repository(owner: $o${i}, name: $n${i}) { file: object(expression: $expression) { __typename ... on Blob { text } } }`);
    aliases.set(repo, `r${i}`);
    if (!owners.has(owner.toLowerCase())) owners.set(owner.toLowerCase(), `o${i}`);
  });
  let g = 0;
  for (const [owner, variable] of owners) {
    fields.push(`  g${g}: repository(owner: $${variable}, name: $defaults) { file: object(expression: $expression) { __typename ... on Blob { text } } }`);
    aliases.set(`${owner}/.github`, `g${g}`);
    g++;
  }
  const query = `query RepoConfigs(${params.join(", ")}) {\n${fields.join("\n")}\n  rateLimit { cost remaining resetAt }\n}\n`;
  return { query, variables, aliases };
}

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
): (repo: string) => () => Promise<unknown> {
  let batch: Promise<Map<string, string | null>> | undefined;
  const load = async (): Promise<Map<string, string | null>> => {
    const texts = new Map<string, string | null>();
    for (let i = 0; i < repos.length; i += REPO_CONFIGS_PER_QUERY) {
      const { query, variables, aliases } = buildRepoConfigsQuery(repos.slice(i, i + REPO_CONFIGS_PER_QUERY));
      let data: Record<string, unknown>;
      try {
        data = await octokit.graphql<Record<string, unknown>>(query, variables);
      } catch (error) {
        // NOT_FOUND for a repository (an owner without a .github repository, a repository gone): its
        // alias is null in the partial data, which means "no file"; any other failure throws.
        const e = error as { errors?: Array<{ type?: string }>; data?: Record<string, unknown> };
        if (!e.data || !Array.isArray(e.errors) || !e.errors.every((x) => x.type === "NOT_FOUND")) throw error;
        data = e.data;
      }
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
      if (networkFailure(error)) throw error;
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

import { REPO_CONFIG_FILE } from "../../repo-config/repo-config.js";
import { splitRepo } from "../repo-name.js";

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

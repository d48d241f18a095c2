import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import type { Config } from "../config.js";
import { InputError } from "../errors.js";
import { formatRepoConfigProblems, parseRepoConfig } from "../repo-config/parse-repo-config.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";

/** Where `export` and `stats` look for `agents:` when --repo-config is not given. */
export const DEFAULT_REPO_CONFIG_PATH = `.github/${REPO_CONFIG_FILE}`;

/**
 * The agent logins for `export` and `stats`: `agents:` of a pr-telemetry.yml (--repo-config, or
 * .github/pr-telemetry.yml in the current folder when there is one), then PR_TELEMETRY_AGENTS,
 * whose entries win. The export reads the journal, not GitHub, so the file is read locally: run it
 * in the repository (or the org's .github repository) whose settings apply. A named file that is
 * missing or does not parse is an InputError; a bad `agents:` key is one too (the figures would be
 * silently wrong otherwise).
 */
export async function loadAgentLogins(config: Config, path: string | undefined): Promise<Record<string, string>> {
  let text: string | undefined;
  try {
    text = await readFile(path ?? DEFAULT_REPO_CONFIG_PATH, "utf8");
  } catch (err) {
    if (path !== undefined) throw new InputError(`--repo-config ${path} cannot be read (${(err as NodeJS.ErrnoException).code}); name a pr-telemetry.yml file`, "repo-config");
  }
  let agents: Record<string, string> = {};
  if (text !== undefined) {
    let raw: unknown;
    try {
      raw = parse(text);
    } catch (err) {
      throw new InputError(`${path ?? DEFAULT_REPO_CONFIG_PATH} is not valid YAML (${(err as Error).message.split("\n")[0]}); fix it or pass --repo-config`, "repo-config");
    }
    const { config: repoConfig, problems } = parseRepoConfig(raw);
    const bad = problems.filter((p) => p.key === "agents" || p.key === "(file)");
    if (bad.length) throw new InputError(`${path ?? DEFAULT_REPO_CONFIG_PATH}: ${formatRepoConfigProblems(bad)}`, "repo-config");
    agents = repoConfig.agents ?? {};
  }
  return { ...agents, ...config.agentLogins };
}

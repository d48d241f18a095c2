import { DEFAULT_REPO_CONFIG, repoConfigSchema, type RepoConfig } from "./repo-config.js";

/** A key of `.github/pr-telemetry.yml` that was left out, and why. */
export interface RepoConfigProblem {
  key: string;
  /** The value as written (JSON, shortened). */
  value: string;
  expected: string;
}

/** What each key must be, in the words of the warning. */
const EXPECTED: Record<keyof RepoConfig, string> = {
  enabled: "true or false",
  orchestrators: "a list of logins, e.g. [my-bot[bot]]",
  sweep_interval_minutes: "a whole number of minutes, 0 or more (no quotes)",
  action_patterns: "a mapping from snake_case action names to lists of regular expressions",
  agents: "a mapping from logins to agent names, e.g. {my-agent[bot]: myagent}",
};

const KEYS = Object.keys(repoConfigSchema.shape) as Array<keyof RepoConfig>;

/**
 * A repository's raw config checked key by key: each valid key is kept, each invalid or unknown
 * one is left out (its default applies) and named in `problems`. One bad key must not void the
 * file: `{enabled: false, sweep_interval_minutes: "60"}` still turns recording off. Not a
 * mapping at all: the defaults, with one problem. Null or undefined (no file): the defaults.
 */
export function parseRepoConfig(raw: unknown): { config: RepoConfig; problems: RepoConfigProblem[] } {
  if (raw === null || raw === undefined) return { config: DEFAULT_REPO_CONFIG, problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { config: DEFAULT_REPO_CONFIG, problems: [{ key: "(file)", value: show(raw), expected: `a YAML mapping of the keys ${KEYS.join(", ")}` }] };
  }
  const input = raw as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  const problems: RepoConfigProblem[] = [];
  for (const key of KEYS) {
    if (!(key in input)) continue;
    const parsed = repoConfigSchema.shape[key].safeParse(input[key]);
    if (parsed.success) kept[key] = input[key];
    else problems.push({ key, value: show(input[key]), expected: EXPECTED[key] });
  }
  for (const key of Object.keys(input)) {
    // `_extends` and other underscore keys belong to Probot's config reader.
    if (!(KEYS as string[]).includes(key) && !key.startsWith("_")) {
      problems.push({ key, value: show(input[key]), expected: `no such key (known: ${KEYS.join(", ")})` });
    }
  }
  return { config: repoConfigSchema.parse(kept), problems };
}

/** The problems as one line for the warning: `sweep_interval_minutes: "60" (expected ...)`. */
export function formatRepoConfigProblems(problems: RepoConfigProblem[]): string {
  return problems.map((p) => `${p.key}: ${p.value} (expected ${p.expected})`).join("; ");
}

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

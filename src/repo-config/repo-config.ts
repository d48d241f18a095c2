import { z } from "zod";
import { AGENT_NAME } from "../config.js";

/**
 * A repository's `.github/pr-telemetry.yml` (org-wide defaults come from the org's `.github`
 * repository, merged by Probot's context.config). Checked key by key (parse-repo-config.ts): a bad
 * or unknown key is left out with a logged reason and the others apply.
 */
export const repoConfigSchema = z.object({
  /** false: record nothing for this repository. */
  enabled: z.boolean().default(true),
  /** Logins whose comments and PR events are orchestrator actions (added to ORCHESTRATOR_LOGINS). */
  orchestrators: z.array(z.string().min(1)).default([]),
  /** This repository's own sweep interval in minutes (0: never swept). */
  sweep_interval_minutes: z.number().int().min(0).optional(),
  /**
   * Comment patterns (regular expressions, case-insensitive) that classify an orchestrator's
   * comment as an action, e.g. `request_review_fix: ["^/fix-review"]`. Checked before the
   * defaults, in the file's order; a key replaces the default patterns of that action (see
   * src/actions/classify-comment.ts). A comment nothing matches is the action `comment`.
   */
  action_patterns: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), z.array(z.string())).optional(),
  /**
   * Logins of coding agents and the agent each one is (`my-agent[bot]: myagent`), added to the
   * dataset's default map (src/dataset/agent-attribution.ts) for `export` and `stats`.
   */
  agents: z.record(z.string().min(1), z.string().regex(AGENT_NAME)).optional(),
});

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export const DEFAULT_REPO_CONFIG: RepoConfig = repoConfigSchema.parse({});

/** The name of the file Probot's context.config reads from `.github/`. */
export const REPO_CONFIG_FILE = "pr-telemetry.yml";

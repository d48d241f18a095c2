import type { Logger } from "probot";
import { formatRepoConfigProblems, parseRepoConfig } from "./parse-repo-config.js";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "./repo-config.js";

/** How long a failed read is remembered before it is tried again. */
const FAILURE_TTL_MS = 30_000;

/** Reads a repository's raw config (Probot's context.config, or octokit.config.get in the CLI). */
export type RepoConfigReader = () => Promise<unknown>;

/**
 * Caches each repository's pr-telemetry.yml for `ttlMs`, so a burst of deliveries costs at most
 * one config read per repository every few minutes. Concurrent misses share one read. A read
 * that fails (GitHub down) keeps the last good value, or the defaults, and is retried next time.
 */
export class RepoConfigCache {
  #entries = new Map<string, { value: RepoConfig; expires: number }>();
  #inflight = new Map<string, Promise<RepoConfig>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The repository's settings if they are cached and fresh, without a promise (the webhook path's common case). */
  cached(repo: string): RepoConfig | undefined {
    const hit = this.#entries.get(repo);
    return hit && hit.expires > this.clock() ? hit.value : undefined;
  }

  async get(repo: string, read: RepoConfigReader, log: Logger): Promise<RepoConfig> {
    const hit = this.#entries.get(repo);
    if (hit && hit.expires > this.clock()) return hit.value;
    const pending = this.#inflight.get(repo);
    if (pending) return pending;
    const load = this.#load(repo, read, log, hit?.value).finally(() => this.#inflight.delete(repo));
    this.#inflight.set(repo, load);
    return load;
  }

  async #load(repo: string, read: RepoConfigReader, log: Logger, previous: RepoConfig | undefined): Promise<RepoConfig> {
    let raw: unknown;
    try {
      raw = await read();
    } catch (err) {
      log.warn({ repo, err: (err as Error).message }, "could not read .github/pr-telemetry.yml; using the last known settings");
      const value = previous ?? DEFAULT_REPO_CONFIG;
      // Remember the failure briefly too, so a burst during an outage costs one read, not one per event.
      this.#entries.set(repo, { value, expires: this.clock() + Math.min(this.ttlMs, FAILURE_TTL_MS) });
      return value;
    }
    const { config: value, problems } = parseRepoConfig(raw);
    if (problems.length) {
      // One warning per repository per read (a read happens once per TTL), naming every bad key.
      log.warn(
        { repo, problems: problems.map((p) => `${p.key}: ${p.value} (expected ${p.expected})`) },
        `.github/pr-telemetry.yml of ${repo}: ${formatRepoConfigProblems(problems)}; ${problems.length === 1 ? "this key is" : "these keys are"} ignored, the other keys apply`,
      );
    }
    this.#entries.set(repo, { value, expires: this.clock() + this.ttlMs });
    return value;
  }
}

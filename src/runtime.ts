import type { Logger } from "probot";
import type { AttemptSource } from "./actions/attempt-counters.js";
import type { Config } from "./config.js";
import type { RepoConfigCache } from "./repo-config/repo-config-cache.js";
import type { TelemetryStore } from "./store/open-store.js";

/**
 * What every feature of the running app shares: built once by createApp (src/app.ts) and passed to each
 * handler family's register function, the HTTP routes and the sweep scheduler.
 */
export interface Runtime {
  config: Config;
  log: Logger;
  store: TelemetryStore;
  repoConfigs: RepoConfigCache;
  attempts: AttemptSource;
}

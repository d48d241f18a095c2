import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";
import type { SharedRedis } from "./open-redis.js";

type Limiters = Record<"global" | "auth" | "search" | "write" | "notifications", Bottleneck.Group>;

/** @octokit/plugin-throttling's least time between two GraphQL or write requests of one id. */
const PLUGIN_WRITE_MIN_TIME = 1000;

/**
 * @octokit/plugin-throttling's limiter groups, with its own settings (dist-src/index.js,
 * createGroups): each is keyed by the octokit's throttle id, which Probot sets to the
 * installation id, so GitHub is paced per installation: GraphQL and writes ("write") one at a
 * time and at least a second apart, at most 10 requests in flight ("global").
 */
function limiterGroups(connection: Bottleneck.IORedisConnection | undefined, writeMinTime: number): Limiters {
  // As the plugin does with a connection: limiter state in Redis expires 2 minutes after last use.
  const common = connection ? { connection, timeout: 120_000 } : {};
  return {
    global: new Bottleneck.Group({ id: "octokit-global", maxConcurrent: 10, ...common }),
    auth: new Bottleneck.Group({ id: "octokit-auth", maxConcurrent: 1, ...common }),
    search: new Bottleneck.Group({ id: "octokit-search", maxConcurrent: 1, minTime: 2000, ...common }),
    // GraphQL requests and writes: the plugin's 1000 ms, or GITHUB_MIN_INTERVAL_MS.
    write: new Bottleneck.Group({ id: "octokit-write", maxConcurrent: 1, minTime: writeMinTime, ...common }),
    notifications: new Bottleneck.Group({ id: "octokit-notifications", maxConcurrent: 1, minTime: 3000, ...common }),
  };
}

/**
 * Probot's octokit with GitHub paced per installation and, with several replicas, across all of
 * them: the same groups as @octokit/plugin-throttling's, clustered in the shared Redis through
 * Bottleneck (what Probot does with REDIS_URL), except that while Redis is away each request
 * falls back to the same groups in this process, so GitHub work (and with it capture) goes on,
 * paced per replica, instead of waiting for Redis. The plugin asks its groups for `key(id)` on
 * every request, so the choice is made request by request.
 *
 * Without `redis`: Probot's default throttle (the plugin's groups, in this process), or the same
 * groups with `minIntervalMs` (GITHUB_MIN_INTERVAL_MS) between an installation's GraphQL requests.
 */
export function pacedOctokit(redis: SharedRedis | undefined, minIntervalMs = PLUGIN_WRITE_MIN_TIME): typeof ProbotOctokit {
  if (!redis) {
    if (minIntervalMs === PLUGIN_WRITE_MIN_TIME) return ProbotOctokit;
    // One process at another pace: the plugin's groups in this process, with that interval.
    const own = limiterGroups(undefined, minIntervalMs);
    return ProbotOctokit.defaults((options: Record<string, any>) => ({ ...options, throttle: { ...options.throttle, ...own, Bottleneck } })) as typeof ProbotOctokit;
  }
  const connection = new Bottleneck.IORedisConnection({ client: redis.client });
  // openRedis logs the outage and the recovery once; the connection's own errors say the same.
  connection.on("error", () => undefined);
  const shared = limiterGroups(connection, minIntervalMs);
  const local = limiterGroups(undefined, minIntervalMs);
  const switching = Object.fromEntries(
    (Object.keys(shared) as Array<keyof Limiters>).map((name) => [
      name,
      { key: (id: string) => (redis.ready ? { schedule: (...args: unknown[]) => scheduleShared(shared[name], id, args) } : local[name].key(id)) },
    ]),
  );
  return ProbotOctokit.defaults((options: Record<string, any>) => ({
    ...options,
    // `connection` tells the plugin it is clustered: jobs then expire, so a replica killed mid-request frees its slot.
    throttle: { ...options.throttle, ...switching, Bottleneck, connection },
  })) as typeof ProbotOctokit;
}

/**
 * Schedules on the key's clustered limiter. A Redis that restarted without its data has lost the
 * limiter's settings: Bottleneck means to re-create them when a script answers
 * SETTINGS_KEY_NOT_FOUND, but compares the whole message, and Redis 7 prefixes it ("ERR
 * SETTINGS_KEY_NOT_FOUND"), so the limiter would fail every job from then on. Dropping it makes
 * the group build a new one, whose start-up writes the settings again; the job is tried once more.
 */
async function scheduleShared(group: Bottleneck.Group, id: string, args: unknown[]): Promise<unknown> {
  const schedule = () => (group.key(id).schedule as (...a: unknown[]) => Promise<unknown>)(...args);
  try {
    return await schedule();
  } catch (err) {
    if (!/SETTINGS_KEY_NOT_FOUND/.test((err as Error).message)) throw err;
    await group.deleteKey(id);
    return schedule();
  }
}

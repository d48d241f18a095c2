import { run, type Server } from "probot";
import { createApp, type AppHandle } from "./app.js";
import { checkServerConfig, loadConfig, loadLogConfig } from "./config.js";
import { lockDataDir, type DataDirLock } from "./data-dir-lock.js";
import { ConfigError } from "./errors.js";
import { createLog } from "./http/create-log.js";
import { openRedis } from "./replicas/open-redis.js";
import { pacedOctokit } from "./replicas/paced-octokit.js";
import { withDotEnv } from "./with-dot-env.js";

// `npm start`: Probot's own runner (it reads APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST,
// GHE_HOST... and, without credentials, serves the manifest flow that registers the app), plus
// a graceful stop: GitHub does not redeliver failed deliveries, so what was acknowledged is
// drained on SIGTERM/SIGINT before the process exits.
//
// `.env` under the real environment (real variables win), for Probot and the app alike; HOST
// defaults to every interface rather than Probot's localhost. The checks and the DATA_DIR lock
// come before run(): nothing may listen, let alone accept a delivery, before they pass.
let app: AppHandle;
let server: Server;
let lock: DataDirLock | undefined;
try {
  const env = withDotEnv(process.env);
  const config = loadConfig(env);
  checkServerConfig(config);
  lock = await lockDataDir(config.dataDir, { onLost: (problem) => process.stderr.write(`pr-telemetry: ${problem}\n`) });
  if (lock.tookOver) process.stderr.write(`pr-telemetry: ${lock.tookOver}\n`);
  // Probot's logger, except that request logs are redacted (query values, Authorization).
  const log = await createLog(loadLogConfig(env));
  // Several replicas (REDIS_URL): one Redis connection for the GitHub pacing shared by the
  // replicas and for the app's delivery dedup and sweep lock. The pacing is Probot's own
  // (Bottleneck clustering) with a fallback to this process while Redis is away, so Probot is
  // not given REDIS_URL (it would open a connection of its own, with no fallback).
  const { redisUrl } = config.replicas;
  const redis = redisUrl ? openRedis(redisUrl, log.child({ name: "pr-telemetry" })) : undefined;
  app = createApp({ env, redis });
  server = await run(app.appFn, { env: { ...env, HOST: config.server.host, REDIS_URL: undefined }, log, Octokit: pacedOctokit(redis, config.github.minIntervalMs) });
} catch (err) {
  const message = err instanceof ConfigError ? err.message : `pr-telemetry could not start: ${(err as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

// Probot's runner stops on SIGINT without draining; replace it with ours.
process.removeAllListeners("SIGINT");
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      // Stop taking deliveries; a connection that lingers must not eat the drain's grace period.
      await Promise.race([server.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      await app.shutdown();
      await lock?.release();
      process.exit(0);
    })();
  });
}

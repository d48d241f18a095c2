import { appCredentials, startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, WebhookPayloads, type FakeGitHub } from "../helpers/fake-github/index.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { journalPoints } from "../helpers/journal-points.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { startRoundRobinProxy, type RoundRobinProxy } from "../helpers/round-robin-proxy.js";
import { WebhookSender } from "../helpers/webhook-sender.js";
import type { Point } from "../../src/store/point.js";
import { FAST_ENV } from "../e2e/e2e-harness.js";

/** Several replicas of the real app behind a round-robin proxy, sharing a real redis-server. */
export interface Replicas {
  gh: FakeGitHub;
  redis: RedisServer | undefined;
  influx: Influxd | undefined;
  apps: AppProcess[];
  proxy: RoundRobinProxy;
  /** Signs deliveries and sends them to the proxy. */
  sender: WebhookSender;
  /** A sender straight to replica `i` (bypassing the proxy), to choose which replica gets what. */
  senderTo(i: number): WebhookSender;
  payloads: WebhookPayloads;
  /** Every point of every replica's journal. */
  points(): Promise<Point[]>;
  /** Starts replica `i` again on its DATA_DIR and port (after a stop or a kill -9). */
  restart(i: number): Promise<AppProcess>;
  close(): Promise<void>;
}

/** Starts the fake GitHub, redis-server (unless `redis: false`), influxd (with `influx`) and `count` app processes, each with its own DATA_DIR. */
export async function startReplicas(options: { count: number; env?: Record<string, string>; redis?: boolean; influx?: boolean }): Promise<Replicas> {
  const creds = appCredentials();
  const gh = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey });
  const redis = options.redis === false ? undefined : await startRedisServer();
  const influx = options.influx ? await startInfluxd() : undefined;
  const envOf = (i: number) => ({
    ...FAST_ENV,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...(influx ? { INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database } : {}),
    REPLICA_ID: `replica-${i}`,
    ...options.env,
  });
  const apps = await Promise.all(Array.from({ length: options.count }, (_, i) => startApp({ githubHost: gh.host, env: envOf(i) })));
  const proxy = await startRoundRobinProxy(apps.map((a) => a.url));
  const sender = new WebhookSender({ appUrl: proxy.url, secret: creds.secret });
  const direct = new Map<string, WebhookSender>();
  return {
    gh,
    redis,
    influx,
    apps,
    proxy,
    sender,
    payloads: new WebhookPayloads(gh.model),
    senderTo(i) {
      const url = apps[i]!.url;
      let s = direct.get(url);
      if (!s) direct.set(url, (s = new WebhookSender({ appUrl: url, secret: creds.secret })));
      return s;
    },
    async points() {
      return (await Promise.all(apps.map((a) => journalPoints(a.dataDir)))).flatMap((j) => j.points);
    },
    async restart(i) {
      apps[i] = await startApp({ githubHost: gh.host, env: envOf(i), dataDir: apps[i]!.dataDir, port: apps[i]!.port });
      direct.get(apps[i]!.url)?.close();
      direct.delete(apps[i]!.url);
      return apps[i]!;
    },
    async close() {
      sender.close();
      for (const s of direct.values()) s.close();
      await proxy.close();
      await Promise.all(apps.map((a) => a.stop()));
      await gh.close();
      await redis?.close();
      await influx?.close();
    },
  };
}

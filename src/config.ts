import { readFileSync, statSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { withDotEnv } from "./with-dot-env.js";

/**
 * Every setting of pr-telemetry, validated once at start-up. Probot's own variables (APP_ID,
 * PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST, GHE_HOST, ...) are read by Probot; the ones the CLI
 * needs to reach GitHub on its own are read here too. Nothing below this module reads process.env.
 */
export interface Config {
  dataDir: string;
  journalDir: string;
  debounceMs: number;
  /** How often the journal is fsynced. */
  flushIntervalMs: number;
  /** How long a shutdown may take to drain pending work (hosting platforms give ~30 s). */
  shutdownGraceMs: number;
  /** Forwarded journal files older than this many days may be pruned; 0 keeps them forever. */
  journalRetentionDays: number;
  /** How long a repository's pr-telemetry.yml is cached. */
  configCacheMs: number;
  /** Tries (and total budget) to wait for GitHub to compute mergeability. */
  mergeableRetries: number;
  mergeableBackoffMs: number;
  /** An observation waiting longer than this for GitHub is logged, and /health says "degraded". */
  stuckObservationMs: number;
  influx: InfluxConfig | undefined;
  actionsApiToken: string | undefined;
  /** When set, GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>`; open otherwise (like /health). */
  metricsToken: string | undefined;
  orchestratorLogins: string[];
  /** PR_TELEMETRY_AGENTS: logins of coding agents and the agent each one is, for `export` and `stats`. */
  agentLogins: Record<string, string>;
  sweepIntervalMinutes: number;
  /** SWEEP_FIRST_DELAY_SECONDS: when the first in-process sweep runs after start (default: random 10–60 s). */
  sweepFirstDelaySeconds: number | undefined;
  /** Days of history backfilled for repositories the app is newly installed on (0: off). */
  backfillOnInstallDays: number;
  /** How far ahead of now a time given to record-action/record-outcome or the actions API may be. */
  maxFutureHours: number;
  github: GitHubConfig;
  /** The app's HTTP server: where it listens and how deliveries are verified. */
  server: ServerConfig;
  /** Running as one of several replicas (docs/scaling.md). */
  replicas: ReplicaConfig;
  warnings: string[];
}

export interface ReplicaConfig {
  /**
   * REDIS_URL (redis://[:password@]host:port[/db]), shared by every replica: Probot paces GitHub
   * through it (Bottleneck's clustering) and the app keeps its delivery dedup and sweep lock there.
   * Undefined: one instance, everything in its memory and journal as before.
   */
  redisUrl: string | undefined;
  /** REPLICA_ID, or hostname-pid: which replica this is, in /health and the logs. */
  replicaId: string;
}

export interface ServerConfig {
  /** NODE_ENV=production. */
  production: boolean;
  /** WEBHOOK_SECRET, when set (Probot falls back to its public `development` secret without it). */
  webhookSecret: string | undefined;
  /** HOST when set; otherwise 0.0.0.0 (every IPv4 interface), which a hosting platform's router can reach. */
  host: string;
}

export type InfluxConfig =
  | {
      api: "v2";
      url: string;
      org: string;
      bucket: string;
      token: string;
      /** Where the token came from, for the start-up log (never the token itself). */
      tokenSource: string;
    }
  | {
      api: "v1";
      url: string;
      database: string;
      retentionPolicy: string | undefined;
      username: string | undefined;
      password: string | undefined;
    };

export interface GitHubConfig {
  appId: string | undefined;
  privateKey: string | undefined;
  token: string | undefined;
  /** REST base URL: https://api.github.com, or GHE_PROTOCOL://GHE_HOST/api/v3. */
  baseUrl: string;
  /**
   * GITHUB_MIN_INTERVAL_MS: the least time between two GraphQL (or other non-GET) requests of one
   * installation, across every replica with REDIS_URL (default 1000: Probot's own pace).
   */
  minIntervalMs: number;
}

const intString = (name: string, min: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: "custom", message: `${name} must be a whole number >= ${min}, got "${value}"` });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const urlString = (name: string, fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const v = value === undefined || value.trim() === "" ? fallback : value.trim();
      try {
        const u = new URL(v);
        if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("protocol");
      } catch {
        ctx.addIssue({ code: "custom", message: `${name} must be an http(s) URL such as ${fallback}, got "${v}"` });
        return z.NEVER;
      }
      return v.replace(/\/+$/, "");
    });

/** An agent's name in the dataset (PR_TELEMETRY_AGENTS, `agents:` of pr-telemetry.yml): a short word (jules, amazon-q). */
export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The variables pr-telemetry reads, each with its validation; a forgotten one is a compile error. */
const envSchema = z.object({
  DATA_DIR: optionalString,
  DEBOUNCE_MS: intString("DEBOUNCE_MS", 0, 2000),
  FLUSH_INTERVAL_MS: intString("FLUSH_INTERVAL_MS", 10, 1000),
  SHUTDOWN_GRACE_MS: intString("SHUTDOWN_GRACE_MS", 0, 25_000),
  JOURNAL_RETENTION_DAYS: intString("JOURNAL_RETENTION_DAYS", 0, 0),
  CONFIG_CACHE_SECONDS: intString("CONFIG_CACHE_SECONDS", 0, 300),
  MERGEABLE_RETRIES: intString("MERGEABLE_RETRIES", 0, 4),
  MERGEABLE_BACKOFF_MS: intString("MERGEABLE_BACKOFF_MS", 0, 1000),
  STUCK_OBSERVATION_SECONDS: intString("STUCK_OBSERVATION_SECONDS", 1, 120),
  INFLUX_HOST: urlString("INFLUX_HOST", "http://localhost:8086"),
  INFLUX_ORG: optionalString,
  INFLUX_BUCKET: optionalString,
  INFLUX_TOKEN: optionalString,
  INFLUX_TOKEN_FILE: optionalString,
  INFLUX_DATABASE: optionalString,
  INFLUX_RETENTION_POLICY: optionalString,
  INFLUX_USERNAME: optionalString,
  INFLUX_PASSWORD: optionalString,
  ACTIONS_API_TOKEN: optionalString,
  METRICS_TOKEN: optionalString,
  ORCHESTRATOR_LOGINS: optionalString,
  PR_TELEMETRY_AGENTS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const map: Record<string, string> = {};
      for (const entry of (value ?? "").split(/[\s,]+/).filter(Boolean)) {
        const [login, agent, ...rest] = entry.split("=");
        if (!login || !agent || rest.length || !AGENT_NAME.test(agent)) {
          ctx.addIssue({ code: "custom", message: `PR_TELEMETRY_AGENTS must be login=agent pairs separated by commas (e.g. my-agent[bot]=myagent), got "${entry}"` });
          return z.NEVER;
        }
        map[login] = agent;
      }
      return map;
    }),
  SWEEP_INTERVAL_MINUTES: intString("SWEEP_INTERVAL_MINUTES", 0, 15),
  SWEEP_FIRST_DELAY_SECONDS: intString("SWEEP_FIRST_DELAY_SECONDS", 0, -1),
  BACKFILL_ON_INSTALL_DAYS: intString("BACKFILL_ON_INSTALL_DAYS", 0, 30),
  MAX_FUTURE_HOURS: intString("MAX_FUTURE_HOURS", 0, 24),
  APP_ID: optionalString,
  PRIVATE_KEY: optionalString,
  PRIVATE_KEY_PATH: optionalString,
  GITHUB_TOKEN: optionalString,
  GHE_HOST: optionalString,
  GHE_PROTOCOL: optionalString,
  GITHUB_MIN_INTERVAL_MS: intString("GITHUB_MIN_INTERVAL_MS", 100, 1000),
  HOME: optionalString,
  NODE_ENV: optionalString,
  WEBHOOK_SECRET: optionalString,
  HOST: optionalString,
  REDIS_URL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const v = value?.trim();
      if (!v) return undefined;
      let ok = false;
      try {
        ok = ["redis:", "rediss:"].includes(new URL(v).protocol);
      } catch {
        // reported below
      }
      if (!ok) {
        ctx.addIssue({ code: "custom", message: `REDIS_URL must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, got "${v.replace(/\/\/[^@/]*@/, "//***@")}"` });
        return z.NEVER;
      }
      return v;
    }),
  REPLICA_ID: optionalString,
});


/**
 * Reads and validates the environment. Throws ConfigError naming the variable and what it
 * expects; collects non-fatal warnings (e.g. a token file readable by others) in `warnings`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((i) => i.message);
    throw new ConfigError(`Invalid configuration: ${messages.join("; ")}`);
  }
  const e = parsed.data;
  const warnings: string[] = [];
  const dataDir = resolve(e.DATA_DIR ?? "./data");
  return {
    dataDir,
    journalDir: join(dataDir, "journal"),
    debounceMs: e.DEBOUNCE_MS,
    flushIntervalMs: e.FLUSH_INTERVAL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    journalRetentionDays: e.JOURNAL_RETENTION_DAYS,
    configCacheMs: e.CONFIG_CACHE_SECONDS * 1000,
    mergeableRetries: e.MERGEABLE_RETRIES,
    mergeableBackoffMs: e.MERGEABLE_BACKOFF_MS,
    stuckObservationMs: e.STUCK_OBSERVATION_SECONDS * 1000,
    influx: influxConfig(e, warnings, env),
    actionsApiToken: e.ACTIONS_API_TOKEN,
    metricsToken: e.METRICS_TOKEN?.trim(),
    orchestratorLogins: (e.ORCHESTRATOR_LOGINS ?? "")
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
    agentLogins: e.PR_TELEMETRY_AGENTS,
    sweepIntervalMinutes: e.SWEEP_INTERVAL_MINUTES,
    sweepFirstDelaySeconds: e.SWEEP_FIRST_DELAY_SECONDS >= 0 ? e.SWEEP_FIRST_DELAY_SECONDS : undefined,
    backfillOnInstallDays: e.BACKFILL_ON_INSTALL_DAYS,
    maxFutureHours: e.MAX_FUTURE_HOURS,
    github: {
      appId: e.APP_ID,
      privateKey: e.PRIVATE_KEY ?? readPrivateKeyFile(e.PRIVATE_KEY_PATH),
      token: e.GITHUB_TOKEN,
      baseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL ?? "https"}://${e.GHE_HOST}/api/v3` : "https://api.github.com",
      minIntervalMs: e.GITHUB_MIN_INTERVAL_MS,
    },
    server: {
      production: e.NODE_ENV === "production",
      webhookSecret: e.WEBHOOK_SECRET,
      host: e.HOST?.trim() || DEFAULT_HOST,
    },
    replicas: { redisUrl: e.REDIS_URL, replicaId: e.REPLICA_ID?.trim() || `${hostname()}-${process.pid}` },
    warnings,
  };
}

/**
 * Where the server listens when HOST is unset: every IPv4 interface, as the README promises and
 * as a hosting platform's router needs (Probot's own default, localhost, is unreachable from it).
 */
export const DEFAULT_HOST = "0.0.0.0";

/** Probot's built-in webhook secret, used when WEBHOOK_SECRET is unset: public, so it verifies nothing. */
const PROBOT_DEFAULT_SECRET = "development";

/**
 * What only the app's server needs on top of loadConfig (the CLI does not verify webhooks):
 * in production a WEBHOOK_SECRET of its own, since without one Probot accepts any delivery signed
 * with its public default secret. Throws ConfigError naming the variable.
 */
export function checkServerConfig(config: Config): void {
  const { production, webhookSecret } = config.server;
  if (!production) return;
  if (webhookSecret === undefined) {
    throw new ConfigError(
      "WEBHOOK_SECRET is not set, and NODE_ENV=production: without it Probot accepts deliveries signed with its public default secret. Set WEBHOOK_SECRET to the secret on the GitHub App's settings page (the manifest flow writes it into .env)",
    );
  }
  if (webhookSecret === PROBOT_DEFAULT_SECRET) {
    throw new ConfigError(
      `WEBHOOK_SECRET is "${PROBOT_DEFAULT_SECRET}", Probot's public default, and NODE_ENV=production: anyone could sign a delivery. Set a random secret both here and on the GitHub App's settings page`,
    );
  }
}

function readPrivateKeyFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      `PRIVATE_KEY_PATH names "${path}", which cannot be read (${(err as NodeJS.ErrnoException).code}); point it at the app's .pem file or set PRIVATE_KEY`,
    );
  }
}

type Env = z.infer<typeof envSchema>;

/** The InfluxDB the variables select (v1 with INFLUX_DATABASE, v2 with a token), or none. `raw` tells set-but-empty from unset. */
function influxConfig(e: Env, warnings: string[], raw: NodeJS.ProcessEnv): InfluxConfig | undefined {
  if (e.INFLUX_DATABASE) {
    const v2Names = (["INFLUX_TOKEN", "INFLUX_TOKEN_FILE", "INFLUX_ORG", "INFLUX_BUCKET"] as const).filter((k) => e[k] !== undefined);
    if (v2Names.length) {
      throw new ConfigError(
        `INFLUX_DATABASE selects the InfluxDB 1.x API, but ${v2Names.join(", ")} ${v2Names.length > 1 ? "are" : "is"} for the v2 API: for InfluxDB 2/3 remove INFLUX_DATABASE, for InfluxDB 1.x remove ${v2Names.join(", ")}`,
      );
    }
    if ((e.INFLUX_USERNAME === undefined) !== (e.INFLUX_PASSWORD === undefined)) {
      throw new ConfigError(
        "INFLUX_USERNAME and INFLUX_PASSWORD go together: set both for an InfluxDB 1.x with auth, or neither",
      );
    }
    return {
      api: "v1",
      url: e.INFLUX_HOST,
      database: e.INFLUX_DATABASE,
      retentionPolicy: e.INFLUX_RETENTION_POLICY,
      username: e.INFLUX_USERNAME,
      password: e.INFLUX_PASSWORD,
    };
  }
  if (e.INFLUX_RETENTION_POLICY) {
    throw new ConfigError("INFLUX_RETENTION_POLICY is only used with the v1 API: set INFLUX_DATABASE too, or remove it");
  }
  if (e.INFLUX_USERNAME !== undefined || e.INFLUX_PASSWORD !== undefined) {
    throw new ConfigError(
      "INFLUX_USERNAME/INFLUX_PASSWORD are only used with the v1 API: set INFLUX_DATABASE too (InfluxDB 1.x), or use INFLUX_TOKEN for InfluxDB 2/3",
    );
  }
  const token = influxToken(e, warnings);
  if (!token) {
    if (e.INFLUX_BUCKET || e.INFLUX_ORG) {
      throw new ConfigError(
        "INFLUX_BUCKET/INFLUX_ORG are set but no InfluxDB token was found: set INFLUX_TOKEN or INFLUX_TOKEN_FILE (or INFLUX_DATABASE for InfluxDB 1.x)",
      );
    }
    if (raw.INFLUX_HOST?.trim()) {
      warnings.push(
        "INFLUX_HOST is set but neither a token (INFLUX_TOKEN, INFLUX_TOKEN_FILE, ~/.influx_token) nor INFLUX_DATABASE is: InfluxDB is not used, the journal alone is the store",
      );
    }
    return undefined;
  }
  if (e.INFLUX_BUCKET && raw.INFLUX_ORG !== undefined && raw.INFLUX_ORG.trim() === "") {
    throw new ConfigError("INFLUX_BUCKET is set but INFLUX_ORG is empty: set the organisation that owns the bucket (default agentic)");
  }
  return {
    api: "v2",
    url: e.INFLUX_HOST,
    org: e.INFLUX_ORG ?? "agentic",
    bucket: e.INFLUX_BUCKET ?? "training",
    token: token.value,
    tokenSource: token.source,
  };
}

function influxToken(e: Env, warnings: string[]): { value: string; source: string } | undefined {
  if (e.INFLUX_TOKEN) return { value: e.INFLUX_TOKEN.trim(), source: "INFLUX_TOKEN" };
  if (e.INFLUX_TOKEN_FILE) {
    const value = readTokenFile(e.INFLUX_TOKEN_FILE, "INFLUX_TOKEN_FILE", warnings);
    if (!value) throw new ConfigError(`INFLUX_TOKEN_FILE names "${e.INFLUX_TOKEN_FILE}", which is empty: put the API token in it`);
    return { value, source: e.INFLUX_TOKEN_FILE };
  }
  const home = e.HOME ?? homedir();
  const defaultFile = join(home, ".influx_token");
  try {
    statSync(defaultFile);
  } catch {
    return undefined;
  }
  const value = readTokenFile(defaultFile, "~/.influx_token", warnings);
  if (!value) {
    warnings.push(`~/.influx_token (${defaultFile}) is empty: InfluxDB is not used; put the API token in it or set INFLUX_TOKEN`);
    return undefined;
  }
  return { value, source: defaultFile };
}

function readTokenFile(path: string, label: string, warnings: string[]): string {
  let text: string;
  try {
    const mode = statSync(path).mode;
    if (mode & 0o077) {
      warnings.push(`${label} (${path}) is readable by group or others: run chmod 600 ${path}`);
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      `${label} names "${path}", which cannot be read (${(err as NodeJS.ErrnoException).code}): check the path and its permissions`,
    );
  }
  return text.trim();
}

/** How the app's log is written: Probot's logging variables, read the way Probot reads them. */
export interface LogConfig {
  level: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  format: "pretty" | "json";
  levelInString: boolean;
  messageKey: string | undefined;
  sentryDsn: string | undefined;
}

const logEnvSchema = z.object({
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? "info" : v.trim()))
    .pipe(z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], { error: (i) => `LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "${String(i.input)}"` })),
  LOG_FORMAT: optionalString,
  LOG_LEVEL_IN_STRING: optionalString,
  LOG_MESSAGE_KEY: optionalString,
  SENTRY_DSN: optionalString,
  NODE_ENV: optionalString,
});

/**
 * Probot's logging variables (LOG_LEVEL, LOG_FORMAT, LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY,
 * SENTRY_DSN), with Probot's defaults (json when NODE_ENV=production, pretty otherwise). `npm
 * start` builds its logger from them before Probot starts (src/http/create-log.ts, so that request
 * logs are redacted), so the default environment is the one Probot is about to apply: the process
 * environment with `.env` (in the working directory) laid over it, as Probot's `run` does.
 */
export function loadLogConfig(env: NodeJS.ProcessEnv = withDotEnv(process.env)): LogConfig {
  const parsed = logEnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid configuration: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  const e = parsed.data;
  return {
    level: e.LOG_LEVEL,
    format: e.LOG_FORMAT ? (e.LOG_FORMAT === "pretty" ? "pretty" : "json") : e.NODE_ENV === "production" ? "json" : "pretty",
    levelInString: e.LOG_LEVEL_IN_STRING === "true",
    messageKey: e.LOG_MESSAGE_KEY,
    sentryDsn: e.SENTRY_DSN,
  };
}


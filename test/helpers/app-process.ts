import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** The repository root (where package.json, dist/ and src/ are). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A GitHub App's credentials for a test: an id, a fresh RSA key pair and a webhook secret. */
export interface AppCredentials {
  appId: number;
  privateKey: string;
  publicKey: string;
  secret: string;
}

let credentials: AppCredentials | undefined;

/** One RSA key pair per test process (generating one takes ~100 ms). Hand the public key to the fake GitHub. */
export function appCredentials(): AppCredentials {
  if (!credentials) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    credentials = { appId: 4242, privateKey, publicKey, secret: "e2e-webhook-secret" };
  }
  return credentials;
}

/** A free TCP port on 127.0.0.1 (Probot's Server treats PORT=0 as unset and takes 3000). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface StartAppOptions {
  /** The fake GitHub's host:port (GHE_HOST); GHE_PROTOCOL is http. */
  githubHost: string;
  /** DATA_DIR; a new temporary folder by default (reused to restart an app on the same journal). */
  dataDir?: string;
  /** Extra environment (DEBOUNCE_MS, MERGEABLE_BACKOFF_MS, INFLUX_*...). */
  env?: Record<string, string>;
  /**
   * What to run: `app` (the real server from source, as `npm run dev` does: `node --import tsx
   * src/main.ts`, so tests never run a stale build), `dist` (`node dist/main.js`, as `npm start`
   * does after `npm run build`), `bare` (bench/bare-probot-app.ts: Probot that only
   * acknowledges), or explicit node arguments.
   */
  entry?: "app" | "dist" | "bare" | string[];
  /** The path polled until it answers 200: /health for the app, /ping for the bare one. */
  readyPath?: string;
  credentials?: AppCredentials;
  /** Port to listen on (a free one by default; pass the old one to restart in place). */
  port?: number;
}

/** A running app process. */
export interface AppProcess {
  url: string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout/stderr, line by line (for failure messages). */
  output: string[];
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful: drains pending work) and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: no chance to flush or drain. */
  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function entryArgs(entry: StartAppOptions["entry"]): string[] {
  if (Array.isArray(entry)) return entry;
  if (entry === "bare") return ["--import", "tsx", join(ROOT, "bench/bare-probot-app.ts")];
  if (entry === "dist") {
    const built = join(ROOT, "dist/main.js");
    if (!existsSync(built)) throw new Error("dist/main.js is missing: run npm run build first");
    return [built];
  }
  return ["--import", "tsx", join(ROOT, "src/main.ts")];
}

/**
 * Starts the app as a child process the way users run it, against the fake GitHub, and waits
 * until it answers on its ready path. The environment is built from scratch (plus PATH/HOME) so
 * nothing of the developer's shell leaks in.
 */
export async function startApp(options: StartAppOptions): Promise<AppProcess> {
  const creds = options.credentials ?? appCredentials();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "pr-telemetry-e2e-")));
  const port = options.port ?? (await freePort());
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: process.env["HOME"] ?? tmpdir(),
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    APP_ID: String(creds.appId),
    PRIVATE_KEY: creds.privateKey,
    WEBHOOK_SECRET: creds.secret,
    HOST: "127.0.0.1",
    PORT: String(port),
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: "http",
    DATA_DIR: dataDir,
    ...options.env,
  };
  const child = spawn(process.execPath, entryArgs(options.entry ?? "app"), { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line) output.push(line);
    if (output.length > 2000) output.splice(0, output.length - 2000);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const url = `http://127.0.0.1:${port}`;
  const readyPath = options.readyPath ?? (options.entry === "bare" ? "/ping" : "/health");
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (hasExited) throw new Error(`the app exited before it was ready:\n${output.slice(-40).join("\n")}`);
    try {
      const res = await fetch(url + readyPath);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the app did not answer ${readyPath} with 200 within 30 s:\n${output.slice(-40).join("\n")}`);
    }
    await sleep(50);
  }
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (!hasExited) child.kill(signal);
    return exited;
  };
  return { url, port, dataDir, child, output, exited, stop: () => signalAndWait("SIGTERM"), kill9: () => signalAndWait("SIGKILL") };
}

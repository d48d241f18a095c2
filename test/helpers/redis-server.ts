/**
 * Starts a real Redis 7 (`/usr/bin/redis-server`, Debian's `redis-server` package) for a test or a
 * benchmark, on a free loopback port, with its own temporary folder and no persistence.
 *
 *   const redis = await startRedisServer();   // running, PING answers PONG
 *   redis.url                                  // e.g. redis://127.0.0.1:41234
 *   await redis.command("KEYS", "*")           // one command over a fresh ioredis connection
 *   await redis.stop();  await redis.start();  // an outage: SIGTERM, then again on the same port
 *   await redis.close();                       // stops it and deletes the folder
 *
 * If `redis-server` is not installed the helper throws, telling you to install it: tests against
 * Redis must fail, not skip, where it is missing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./influxd.js";

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? "/usr/bin/redis-server";

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  dir: string;
  /** Sends one command on a fresh connection; resolves with the reply (string, number, null or array). */
  command(...args: string[]): Promise<unknown>;
  /** Stops redis-server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (data is not kept: no persistence). */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  close(): Promise<void>;
}

/** Starts redis-server (see the file comment). */
export async function startRedisServer(options: { bin?: string } = {}): Promise<RedisServer> {
  const bin = options.bin ?? REDIS_SERVER_BIN;
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: these tests run a real Redis 7. Install it with \`apt-get install -y redis-server\` (CI does this in .ci/run).`);
  }
  const dir = await mkdtemp(join(tmpdir(), "redis-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePort();
    const proc = new RedisProcess(bin, dir, port);
    try {
      await proc.start();
    } catch (err) {
      lastError = err;
      await proc.stop();
      continue;
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      dir,
      command: (...args) => redisCommand(port, args),
      stop: () => proc.stop(),
      start: () => proc.start(),
      async close() {
        await proc.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start: ${(lastError as Error)?.message}`);
}

class RedisProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #output = "";

  constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    if (this.#child) return;
    // No RDB/AOF files, loopback only, no protected-mode surprises: a throwaway server.
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"];
    const child = spawn(this.bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (c: Buffer) => (this.#output = (this.#output + c.toString()).slice(-4000)));
    child.stderr!.on("data", (c: Buffer) => (this.#output = (this.#output + c.toString()).slice(-4000)));
    this.#child = child;
    let exitCode: number | null | undefined;
    this.#exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        exitCode = code;
        this.#child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) break;
      try {
        if ((await redisCommand(this.port, ["PING"])) === "PONG") return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`redis-server did not answer PING on port ${this.port} (exit ${exitCode}):\n${this.#output}`);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = this.#exited;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** One command over a fresh ioredis connection that neither retries nor queues: a test's look at the server. */
async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

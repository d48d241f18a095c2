/**
 * Starts a real InfluxDB 1.6.7 (`/usr/bin/influxd`, Debian's `influxdb` package) for a test or a
 * benchmark, on free loopback ports, with its own temporary config, meta, data and WAL folders.
 *
 *   const influx = await startInfluxd();        // running, database created, /ping answers 204
 *   influx.url, influx.database                  // e.g. http://127.0.0.1:41234, "telemetry"
 *   await influx.query("SELECT * FROM outcome")  // InfluxQL; returns the JSON `results` of /query
 *   await influx.stop();  await influx.start();  // an outage: SIGTERM, then again on the same data
 *   await influx.kill9();                        // a crash
 *   await influx.close();                        // stops it and deletes the folders
 *
 * Both the HTTP bind-address and the meta/RPC bind-address (default 8088) get free ports of their
 * own, so test files running in parallel never clash. If `influxd` is not installed the helper
 * throws, telling you to install it: tests against InfluxDB must fail, not skip, where it is missing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const INFLUXD_BIN = process.env.INFLUXD_BIN ?? "/usr/bin/influxd";

export interface Influxd {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** The database created at start ("telemetry" unless given). */
  database: string;
  /** The temporary folder holding config, meta, data, wal and influxd.log. */
  dir: string;
  /** Runs InfluxQL against the database; returns `results` of the JSON answer (throws on an error in it). */
  query(influxql: string): Promise<InfluxQlResult[]>;
  /** Rows of the first series of each statement, as objects column -> value (for short assertions). */
  rows(influxql: string): Promise<Array<Record<string, unknown>>>;
  /** Stops influxd gracefully (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts influxd again on the same data and ports; resolves once /ping answers 204. */
  start(): Promise<void>;
  /** Kills influxd with SIGKILL and waits for it to exit. */
  kill9(): Promise<void>;
  /** Stops influxd and deletes its folders. */
  close(): Promise<void>;
  /** CPU time (user + system, ms) influxd has used since it last started, from /proc (benchmarks). */
  cpuMs(): number;
}

export interface InfluxQlResult {
  statement_id: number;
  series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  error?: string;
}

/** A free TCP port on 127.0.0.1 (the OS picks one; it is released before influxd binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts influxd (see the file comment). */
export async function startInfluxd(options: { database?: string; bin?: string } = {}): Promise<Influxd> {
  const bin = options.bin ?? INFLUXD_BIN;
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} is missing: these tests run a real InfluxDB 1.6. Install it with \`apt-get install -y influxdb\` (CI does this in .ci/run).`,
    );
  }
  const database = options.database ?? "telemetry";
  const dir = await mkdtemp(join(tmpdir(), "influxd-"));
  let lastError: unknown;
  // A port picked free can be taken by someone else before influxd binds it: try fresh ports.
  for (let attempt = 0; attempt < 4; attempt++) {
    const httpPort = await freePort();
    const rpcPort = await freePort();
    const configPath = join(dir, "influxd.conf");
    await writeFile(configPath, config(dir, httpPort, rpcPort));
    const instance = new InfluxdProcess(bin, dir, configPath, `http://127.0.0.1:${httpPort}`);
    try {
      await instance.start();
    } catch (err) {
      lastError = err;
      await instance.kill9();
      continue;
    }
    const url = instance.url;
    const query = async (q: string, db: string | undefined = database): Promise<InfluxQlResult[]> => {
      const params = new URLSearchParams({ q, epoch: "ms" });
      if (db) params.set("db", db);
      const res = await fetch(`${url}/query`, { method: "POST", body: params });
      const text = await res.text();
      if (!res.ok) throw new Error(`influxd answered ${res.status} to ${q}: ${text}`);
      const json = JSON.parse(text) as { results: InfluxQlResult[]; error?: string };
      if (json.error) throw new Error(`influxd: ${json.error} (${q})`);
      for (const r of json.results) if (r.error) throw new Error(`influxd: ${r.error} (${q})`);
      return json.results;
    };
    await query(`CREATE DATABASE "${database}"`, undefined);
    return {
      url,
      database,
      dir,
      query: (q) => query(q),
      async rows(q) {
        const out: Array<Record<string, unknown>> = [];
        for (const r of await query(q)) {
          for (const s of r.series ?? []) {
            for (const v of s.values) out.push(Object.fromEntries(s.columns.map((c, i) => [c, v[i]])));
          }
        }
        return out;
      },
      stop: () => instance.stop(),
      start: () => instance.start(),
      kill9: () => instance.kill9(),
      cpuMs: () => instance.cpuMs(),
      async close() {
        await instance.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`influxd did not start: ${(lastError as Error)?.message}`);
}

function config(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, "meta")}"
  logging-enabled = false

[data]
  dir = "${join(dir, "data")}"
  wal-dir = "${join(dir, "wal")}"
  query-log-enabled = false
  trace-logging-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  max-body-size = 0

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
`;
}

class InfluxdProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(
    readonly bin: string,
    readonly dir: string,
    readonly configPath: string,
    readonly url: string,
  ) {}

  async start(): Promise<void> {
    if (this.#child) return;
    const logPath = join(this.dir, "influxd.log");
    const log = openSync(logPath, "a");
    const child = spawn(this.bin, ["run", "-config", this.configPath], { stdio: ["ignore", log, log] });
    closeSync(log);
    this.#child = child;
    let exitCode: number | null | undefined;
    this.#exited = new Promise((resolve) =>
      child.once("exit", (code) => {
        exitCode = code;
        this.#child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) break;
      try {
        const res = await fetch(`${this.url}/ping`);
        await res.arrayBuffer();
        if (res.status === 204) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const tail = readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`influxd did not answer /ping at ${this.url} (exit ${exitCode}); log tail:\n${tail}`);
  }

  async stop(): Promise<void> {
    await this.#signal("SIGTERM");
  }

  cpuMs(): number {
    const pid = this.#child?.pid;
    if (!pid) return 0;
    // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  }

  async kill9(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    const exited = this.#exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

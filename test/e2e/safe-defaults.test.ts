import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { appCredentials, freePort, ROOT, runCliProcess, startApp, type AppProcess } from "../helpers/app-process.js";

// The real app process (`node --import tsx src/main.ts`), as users start it. No GitHub is needed:
// nothing here reaches it (the sweep is off), so GHE_HOST points at a closed port.
const GITHUB = "127.0.0.1:9";
const ENV = { SWEEP_INTERVAL_MINUTES: "0" };

const started: AppProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const app of started.splice(0)) await app.kill9();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "safe-defaults-"));
  dirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startApp>[0]): Promise<AppProcess> {
  const app = await startApp(options);
  started.push(app);
  return app;
}

/** Runs the app expecting it to refuse to start: its exit code, its output, and whether its port ever answered. */
async function runToExit(env: Record<string, string>, dataDir: string): Promise<{ code: number | null; output: string; answered: boolean }> {
  const creds = appCredentials();
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: process.env["HOME"] ?? tmpdir(),
      NODE_ENV: "production",
      LOG_FORMAT: "json",
      APP_ID: String(creds.appId),
      PRIVATE_KEY: creds.privateKey,
      HOST: "127.0.0.1",
      PORT: String(port),
      GHE_HOST: GITHUB,
      GHE_PROTOCOL: "http",
      DATA_DIR: dataDir,
      ...ENV,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString("utf8")));
  let exited = false;
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => ((exited = true), resolve(code))));
  let answered = false;
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  while (!exited) {
    answered ||= await fetch(`http://127.0.0.1:${port}/health`).then(
      () => true,
      () => false,
    );
    await new Promise((r) => setTimeout(r, 20));
  }
  clearTimeout(timer);
  return { code: await exit, output, answered };
}

describe("NODE_ENV=production needs WEBHOOK_SECRET", () => {
  it("refuses to start without it, naming the variable, and never listens", async () => {
    const run = await runToExit({ WEBHOOK_SECRET: "" }, await tempDir());
    expect(run.code).toBe(1);
    expect(run.output).toContain("WEBHOOK_SECRET is not set, and NODE_ENV=production");
    expect(run.answered).toBe(false);
  });

  it("refuses Probot's public default secret too", async () => {
    const run = await runToExit({ WEBHOOK_SECRET: "development" }, await tempDir());
    expect(run.code).toBe(1);
    expect(run.output).toContain('WEBHOOK_SECRET is "development"');
  });

  it("starts with the secret set", async () => {
    const app = await start({ githubHost: GITHUB, env: { ...ENV, WEBHOOK_SECRET: "a-real-secret" } });
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });
});

describe("one app per DATA_DIR", () => {
  it("refuses a second app on the same DATA_DIR, naming the first one's pid and host; the CLI still records there", async () => {
    const dataDir = await tempDir();
    const first = await start({ githubHost: GITHUB, dataDir, env: ENV });
    const second = await runToExit({ WEBHOOK_SECRET: "e2e-webhook-secret" }, dataDir);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`DATA_DIR ${dataDir} is in use by another pr-telemetry app (pid ${first.child.pid} on host ${hostname()}`);
    expect(second.output).toContain(`delete ${join(dataDir, "app.lock")}`);
    expect(second.answered).toBe(false);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);

    // The CLI's record commands append beside the running app (O_APPEND) and take no lock.
    const cli = await runCliProcess(["record-action", "--repo", "acme/widgets", "--pr", "7", "--action", "wait"], { githubHost: GITHUB, dataDir });
    expect({ code: cli.code, stderr: cli.stderr }).toEqual({ code: 0, stderr: "" });

    // A graceful stop removes the lock.
    started.splice(started.indexOf(first), 1);
    expect((await first.stop()).code).toBe(0);
    await expect(readFile(join(dataDir, "app.lock"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("after kill -9 the next start takes the stale lock over", async () => {
    const dataDir = await tempDir();
    const first = await start({ githubHost: GITHUB, dataDir, env: ENV });
    started.splice(started.indexOf(first), 1);
    await first.kill9();
    expect(JSON.parse(await readFile(join(dataDir, "app.lock"), "utf8"))).toMatchObject({ pid: first.child.pid });
    const restarted = await start({ githubHost: GITHUB, dataDir, env: ENV });
    expect(restarted.output.join("\n")).toContain(`took over the stale lock ${join(dataDir, "app.lock")}: its process (pid ${first.child.pid}) is gone`);
    expect(JSON.parse(await readFile(join(dataDir, "app.lock"), "utf8"))).toMatchObject({ pid: restarted.child.pid });
  });
});

describe("the app reads .env as the CLI does", () => {
  it("a variable set in the environment wins over the current directory's .env", async () => {
    const dir = await tempDir();
    const creds = appCredentials();
    await writeFile(join(dir, ".env"), `DATA_DIR=${join(dir, "from-dotenv")}\nWEBHOOK_SECRET=from-dotenv\nSWEEP_INTERVAL_MINUTES=0\n`);
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(ROOT, "src/main.ts")], {
      cwd: dir,
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        HOME: dir,
        NODE_ENV: "production",
        APP_ID: String(creds.appId),
        PRIVATE_KEY: creds.privateKey,
        HOST: "127.0.0.1",
        PORT: String(port),
        GHE_HOST: GITHUB,
        GHE_PROTOCOL: "http",
        DATA_DIR: join(dir, "from-env"),
      },
      stdio: "ignore",
    });
    try {
      const deadline = Date.now() + 25_000;
      while (!(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error("the app did not start");
        await new Promise((r) => setTimeout(r, 50));
      }
      // DATA_DIR came from the environment; WEBHOOK_SECRET (set only in .env) from the file.
      expect(await readdir(join(dir, "from-env"))).toEqual(expect.arrayContaining(["app.lock", "journal"]));
      await expect(readdir(join(dir, "from-dotenv"))).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("the listening address", () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

  it.skipIf(!external)("listens on every interface when HOST is unset, and only where HOST says when it is set", async () => {
    // nock's allow-list is one matcher: keep loopback (test/setup.ts) and add this host's own address.
    nock.enableNetConnect(new RegExp(`^(127\\.0\\.0\\.1|localhost|\\[::1\\]|${external!.replaceAll(".", "\\.")})(:\\d+)?$`));
    const unset = await start({ githubHost: GITHUB, env: { ...ENV, HOST: "" } });
    const res = await fetch(`http://${external}:${unset.port}/health`);
    expect(res.status).toBe(200);

    const loopback = await start({ githubHost: GITHUB, env: { ...ENV, HOST: "127.0.0.1" } });
    expect((await fetch(`${loopback.url}/health`)).status).toBe(200);
    await expect(fetch(`http://${external}:${loopback.port}/health`)).rejects.toThrow();
  });
});

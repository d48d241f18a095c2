import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { loadConfig } from "../../src/config.js";
import { runCli } from "../../src/cli/run-cli.js";
import { withDotEnv } from "../../src/with-dot-env.js";
import { ROOT } from "../helpers/app-process.js";

const { version } = (await import("../../package.json", { with: { type: "json" } })).default;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-basics-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The CLI as a user runs it from `cwd` (so it finds that folder's .env), with only `env` besides PATH/HOME. */
async function cliIn(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(ROOT, "src/cli/main.ts"), ...args], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: dir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

describe("pr-telemetry --version and mistyped commands", () => {
  it("--version prints the package's version", async () => {
    const io = memoryIo();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(io.out).toBe(`${version}\n`);
  });

  it("a mistyped command suggests the right one, exit 2", async () => {
    const io = memoryIo();
    expect(await runCli(["swep", "--repo", "a/b"], io)).toBe(2);
    expect(io.err).toBe('pr-telemetry: unknown command "swep". Did you mean sweep? (pr-telemetry --help lists the commands)\n');
  });
});

describe("the CLI reads .env as the app does", () => {
  it("real environment variables win over the current directory's .env", async () => {
    await writeFile(join(dir, ".env"), "DATA_DIR=/from/dotenv\nGITHUB_TOKEN=from-dotenv\n");
    expect(withDotEnv({ DATA_DIR: "/from/env" }, dir)).toEqual({ DATA_DIR: "/from/env", GITHUB_TOKEN: "from-dotenv" });
    expect(withDotEnv({ A: "1" }, join(dir, "no-such-folder"))).toEqual({ A: "1" });
  });

  it(".env.example, copied to .env, is read as its comments say", async () => {
    await copyFile(join(ROOT, ".env.example"), join(dir, ".env"));
    const config = loadConfig(withDotEnv({}, dir));
    expect({ debounceMs: config.debounceMs, sweep: config.sweepIntervalMinutes, host: config.server.host, dataDir: config.dataDir }).toEqual({
      debounceMs: 2000,
      sweep: 15,
      host: "0.0.0.0",
      dataDir: join(process.cwd(), "data"),
    });
  });

  it("record-action run in a folder with a .env writes to the DATA_DIR it names, unless the environment names another", async () => {
    await writeFile(join(dir, ".env"), `# the app's settings\nDATA_DIR=${join(dir, "from-dotenv")}\n`);
    const args = ["record-action", "--repo", "acme/widgets", "--pr", "7", "--action", "wait"];
    const fromFile = await cliIn(dir, args);
    expect({ code: fromFile.code, stderr: fromFile.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await readdir(join(dir, "from-dotenv", "journal"))).toHaveLength(1);
    await expect(readdir(join(dir, "data"))).rejects.toMatchObject({ code: "ENOENT" });

    const fromEnv = await cliIn(dir, args, { DATA_DIR: join(dir, "from-env") });
    expect(fromEnv.code).toBe(0);
    expect(await readdir(join(dir, "from-env", "journal"))).toHaveLength(1);
  });

  it(
    "sweep takes its GitHub credentials from .env, and an unresolvable GHE_HOST is reported as a network/DNS error",
    async () => {
      // .invalid never resolves (RFC 6761): no network is needed to see the DNS error.
      await writeFile(join(dir, ".env"), `GITHUB_TOKEN=ghp_from_dotenv\nGHE_HOST=nonexistent.invalid\nDATA_DIR=${join(dir, "data")}\n`);
      await mkdir(join(dir, "data"));
      const run = await cliIn(dir, ["sweep", "--repo", "acme/widgets"]);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain("no GitHub credentials");
      expect(run.stderr).not.toMatch(/answered 500/);
      expect(run.stderr).toMatch(/acme\/widgets failed: could not reach nonexistent\.invalid \((ENOTFOUND|EAI_AGAIN): a network\/DNS error/);
      expect(run.stderr).toContain("check GHE_HOST");
    },
    90_000,
  );
});

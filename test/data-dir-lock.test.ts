import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockDataDir } from "../src/data-dir-lock.js";
import { ConfigError } from "../src/errors.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (the kernel does not hand it out again this soon). */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid!;
}

describe("the DATA_DIR lock", () => {
  it("writes who holds it, refuses a second holder naming the pid and host and how to clear a stale lock, and is removed on release", async () => {
    const lock = await lockDataDir(dir);
    expect(JSON.parse(await readFile(join(dir, "app.lock"), "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    const refused = await lockDataDir(dir).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toContain(`DATA_DIR ${dir} is in use by another pr-telemetry app (pid ${process.pid} on host ${hostname()}`);
    expect((refused as Error).message).toContain(`delete ${join(dir, "app.lock")}`);
    await lock.release();
    await expect(readFile(join(dir, "app.lock"))).rejects.toMatchObject({ code: "ENOENT" });
    const again = await lockDataDir(dir);
    expect(again.tookOver).toBeUndefined();
    await again.release();
  });

  it("takes over a lock whose process is dead (kill -9 left it)", async () => {
    const pid = deadPid();
    await writeFile(join(dir, "app.lock"), JSON.stringify({ pid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z", token: "old" }));
    const lock = await lockDataDir(dir);
    expect(lock.tookOver).toBe(`took over the stale lock ${join(dir, "app.lock")}: its process (pid ${pid}) is gone`);
    expect(JSON.parse(await readFile(join(dir, "app.lock"), "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("takes over a lock left by an earlier run with this very pid (a container restarted as pid 1)", async () => {
    await writeFile(join(dir, "app.lock"), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z", token: "earlier-run" }));
    const lock = await lockDataDir(dir);
    expect(lock.tookOver).toContain("left by an earlier run");
    await lock.release();
  });

  it("a live holder on another host is refused until its heartbeat is older than the stale limit", async () => {
    const path = join(dir, "app.lock");
    await writeFile(path, JSON.stringify({ pid: 1, host: "other-host", startedAt: "2026-01-01T00:00:00.000Z", token: "t" }));
    await expect(lockDataDir(dir, { staleMs: 60_000 })).rejects.toThrow(/pid 1 on host other-host/);
    const old = new Date(Date.now() - 61_000);
    await utimes(path, old, old);
    const lock = await lockDataDir(dir, { staleMs: 60_000 });
    expect(lock.tookOver).toMatch(/its holder \(pid 1 on other-host\) has not refreshed for 6\d s/);
    await lock.release();
  });

  it("refreshes its mtime on every heartbeat, so a live holder never looks stale", async () => {
    const lock = await lockDataDir(dir, { heartbeatMs: 20 });
    const path = join(dir, "app.lock");
    const old = new Date(Date.now() - 3600_000);
    await utimes(path, old, old);
    await new Promise((r) => setTimeout(r, 100));
    const { mtimeMs } = await import("node:fs/promises").then((fs) => fs.stat(path));
    expect(Date.now() - mtimeMs).toBeLessThan(5000);
    await lock.release();
  });

  it("an unreadable lock is respected while fresh (it may be being written) and taken over once stale", async () => {
    const path = join(dir, "app.lock");
    await writeFile(path, "");
    await expect(lockDataDir(dir)).rejects.toThrow(/holder unreadable/);
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lock = await lockDataDir(dir);
    expect(lock.tookOver).toMatch(/cannot be read/);
    await lock.release();
  });
});

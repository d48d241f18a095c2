import { randomUUID } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, mkdir, readFile, rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./errors.js";

// Hand-written rather than proper-lockfile (the usual library): that one keeps no owner in its
// lock (a bare directory removed with rmdir), so it can neither name the holder in the refusal
// nor see that the holder's pid is dead; after a kill -9 it makes the next start wait out its
// staleness period. It is also unmaintained since 2021. This lock is one small JSON file.

/** The lock's file name inside DATA_DIR. */
export const LOCK_FILE = "app.lock";
/** How often a running app refreshes its lock's mtime. */
export const HEARTBEAT_MS = 10_000;
/** A lock not refreshed for this long is stale, whoever holds it (e.g. an app on another host that died). */
export const STALE_MS = 60_000;

/** Who holds the lock, as written in the file. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  /** Tells this lock from a later one with the same pid (a container restarted with pid 1). */
  token: string;
}

/** A DATA_DIR held by this process. */
export interface DataDirLock {
  path: string;
  holder: LockHolder;
  /** Why an earlier lock was taken over (a dead pid, no heartbeat), if one was. */
  tookOver: string | undefined;
  /** Stops the heartbeat and removes the lock if it is still ours. */
  release(): Promise<void>;
}

export interface LockOptions {
  heartbeatMs?: number;
  staleMs?: number;
  /** Called when the heartbeat finds the lock gone or taken by another process. */
  onLost?: (problem: string) => void;
}

/** Locks this process holds, released synchronously if the process exits without releasing them. */
const held = new Map<string, LockHolder>();
let exitHookInstalled = false;

/**
 * Takes DATA_DIR/app.lock for this app process, so that two instances never record into one
 * DATA_DIR (each would observe every delivery, doubling the points). A lock whose holder is gone
 * is taken over: same host and its pid is dead, or not refreshed for `staleMs` (a host that died).
 * Otherwise throws ConfigError naming the holder (pid, host, start) and how to remove a stale lock.
 * The CLI never takes it: its writes are O_APPEND batches that interleave safely with the app's.
 */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const staleMs = options.staleMs ?? STALE_MS;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const path = join(dataDir, LOCK_FILE);
  await mkdir(dataDir, { recursive: true });
  const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token: randomUUID() };
  let tookOver: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, JSON.stringify(holder) + "\n", { flag: "wx", mode: 0o644 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ConfigError(`cannot create the lock ${path} (${(err as NodeJS.ErrnoException).code}): make DATA_DIR (${dataDir}) writable by this user`);
      }
    }
    const found = await inspectLock(path, staleMs);
    if (!found) continue; // removed meanwhile: try again
    if (!found.stale || attempt >= 3) throw new ConfigError(heldMessage(dataDir, path, found, staleMs));
    if (await removeIfUnchanged(path, found.text)) tookOver = `took over the stale lock ${path}: ${found.stale}`;
  }
  held.set(path, holder);
  installExitHook();

  const timer = setInterval(() => {
    void (async () => {
      try {
        const text = await readFile(path, "utf8");
        if (parseHolder(text)?.token !== holder.token) {
          stop();
          options.onLost?.(`the DATA_DIR lock ${path} now belongs to another process (${describeHolder(parseHolder(text))}): two apps may be recording into one DATA_DIR`);
          return;
        }
        const now = new Date();
        await utimes(path, now, now);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          stop();
          options.onLost?.(`the DATA_DIR lock ${path} was removed while this app runs: another instance may start on the same DATA_DIR`);
        }
      }
    })();
  }, heartbeatMs);
  timer.unref();
  const stop = () => clearInterval(timer);

  return {
    path,
    holder,
    tookOver,
    async release() {
      stop();
      if (held.get(path)?.token !== holder.token) return;
      held.delete(path);
      try {
        if (parseHolder(await readFile(path, "utf8"))?.token === holder.token) await unlink(path);
      } catch {
        // already gone
      }
    },
  };
}

interface FoundLock {
  text: string;
  holder: LockHolder | undefined;
  ageMs: number;
  /** Why the lock may be taken over; undefined while its holder is alive. */
  stale: string | undefined;
}

async function inspectLock(path: string, staleMs: number): Promise<FoundLock | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([readFile(path, "utf8"), stat(path)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const holder = parseHolder(text);
  const ageMs = Math.max(0, Date.now() - mtimeMs);
  return { text, holder, ageMs, stale: staleReason(path, holder, ageMs, staleMs) };
}

function staleReason(path: string, holder: LockHolder | undefined, ageMs: number, staleMs: number): string | undefined {
  const age = `not refreshed for ${Math.round(ageMs / 1000)} s`;
  // An unreadable lock may be one being written this very moment: only its age makes it stale.
  if (!holder) return ageMs > staleMs ? `it cannot be read and was ${age}` : undefined;
  if (holder.host === hostname()) {
    if (holder.pid === process.pid) {
      // Our own pid: either this process holds it (refuse) or an earlier run that had our pid left it.
      return held.get(path)?.token === holder.token ? undefined : `it was left by an earlier run with this process's pid ${holder.pid}`;
    }
    if (!isAlive(holder.pid)) return `its process (pid ${holder.pid}) is gone`;
  }
  return ageMs > staleMs ? `its holder (pid ${holder.pid} on ${holder.host}) has ${age}` : undefined;
}

/**
 * Removes a stale lock only if it is still the one judged stale: it is first moved aside (an
 * atomic claim), then compared; a lock another starting instance wrote meanwhile is put back.
 */
async function removeIfUnchanged(path: string, judged: string): Promise<boolean> {
  const aside = `${path}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  const text = await readFile(aside, "utf8").catch(() => "");
  if (text !== judged) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return text === judged;
}

function heldMessage(dataDir: string, path: string, found: FoundLock, staleMs: number): string {
  const staleSeconds = Math.round(staleMs / 1000);
  return (
    `DATA_DIR ${dataDir} is in use by another pr-telemetry app (${describeHolder(found.holder)}; lock ${path} refreshed ${Math.round(found.ageMs / 1000)} s ago). ` +
    "Two apps on one DATA_DIR would record every observation twice: stop the other one, or give this one its own DATA_DIR. " +
    `If that app is gone (on another host sharing this folder), delete ${path}; a lock not refreshed for ${staleSeconds} s is taken over at the next start`
  );
}

function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `pid ${holder.pid} on host ${holder.host}, started ${holder.startedAt}` : "holder unreadable";
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.token === "string") {
      return { pid: value.pid, host: value.host, startedAt: String(value.startedAt ?? "?"), token: value.token };
    }
  } catch {
    // torn or foreign content
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A process that exits without release() (process.exit from Probot's SIGINT handler) leaves no lock behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const [path, holder] of held) {
      try {
        if (parseHolder(readFileSync(path, "utf8"))?.token === holder.token) unlinkSync(path);
      } catch {
        // gone already
      }
    }
  });
}

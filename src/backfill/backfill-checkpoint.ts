import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** What a repository's checkpoint remembers: the pull requests done, each with the update time it had then. */
export interface BackfillCheckpoint {
  /** Earliest point time the run that wrote it asked for (ISO). */
  since: string;
  states: string[];
  /** PR number -> its `updatedAt` when its history was written. */
  done: Record<string, string>;
}

/** DATA_DIR/backfill/<owner>/<name>.json: one file per repository, readable by a person. */
export function checkpointPath(dataDir: string, repo: string): string {
  const [owner, name] = repo.toLowerCase().split("/");
  return join(dataDir, "backfill", owner!, `${name}.json`);
}

/** The repository's checkpoint, or an empty one (none yet, or unreadable: the run starts over, dedup keeps it harmless). */
export async function readCheckpoint(dataDir: string, repo: string): Promise<BackfillCheckpoint | undefined> {
  try {
    const parsed = JSON.parse(await readFile(checkpointPath(dataDir, repo), "utf8")) as BackfillCheckpoint;
    return typeof parsed.since === "string" && parsed.done && typeof parsed.done === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the checkpoint whole (a temporary file renamed over it, so a kill leaves the old or the new one). */
export async function writeCheckpoint(dataDir: string, repo: string, checkpoint: BackfillCheckpoint): Promise<void> {
  const path = checkpointPath(dataDir, repo);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(checkpoint) + "\n");
  await rename(tmp, path);
}

/**
 * Whether a PR can be skipped: a checkpoint from a run that reached at least as far back, with
 * the same states, did it when GitHub showed the same `updatedAt` (nothing happened to it since).
 */
export function isDone(checkpoint: BackfillCheckpoint | undefined, since: Date, states: readonly string[], pr: number, updatedAt: string): boolean {
  if (!checkpoint || Date.parse(checkpoint.since) > since.getTime()) return false;
  if (!states.every((s) => checkpoint.states.includes(s))) return false;
  return checkpoint.done[String(pr)] === updatedAt;
}

import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { StoreError } from "../errors.js";

/**
 * How far InfluxDB has taken each journal file: per file name, the byte offset just past the last
 * line InfluxDB accepted (or that was set aside as a dead letter). `target` names the InfluxDB it
 * is for; when the configuration points somewhere else, forwarding starts again from the start of
 * the retained journal (re-sent points replace themselves, so that is safe).
 */
export interface Checkpoint {
  target: string;
  files: Record<string, number>;
}

/** Reads the checkpoint; a missing file, or one for another target, is an empty checkpoint. */
export async function loadCheckpoint(path: string, target: string): Promise<Checkpoint> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { target, files: {} };
    throw new StoreError(`cannot read the forwarder checkpoint ${path}: ${(err as Error).message}. Check that DATA_DIR is writable.`);
  }
  let parsed: Checkpoint;
  try {
    parsed = JSON.parse(text) as Checkpoint;
  } catch {
    // Only a rename publishes the file, so it is never half-written; an unreadable one was
    // edited by hand. Starting over re-sends the journal, which is harmless.
    return { target, files: {} };
  }
  if (parsed.target !== target || typeof parsed.files !== "object" || parsed.files === null) return { target, files: {} };
  return { target, files: { ...parsed.files } };
}

/**
 * Replaces the checkpoint atomically: write a temporary file, fsync it, rename it over the old
 * one. A crash leaves either the old or the new checkpoint, never a torn one; the worst case is
 * the last batch being sent again.
 */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "w");
  try {
    await handle.writeFile(JSON.stringify(checkpoint) + "\n");
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

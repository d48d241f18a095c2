import { stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Checkpoint } from "./forwarder-checkpoint.js";
import { listJournalFiles } from "./journal.js";

/**
 * Deletes journal files that InfluxDB has taken completely (the checkpoint is at their end) and
 * whose day is more than `retentionDays` days before `now`. A file with any line not yet
 * forwarded is never deleted, however old. Returns the names deleted (and drops them from the
 * checkpoint, which the caller saves). retentionDays 0 keeps everything.
 */
export async function pruneJournal(dir: string, checkpoint: Checkpoint, retentionDays: number, now = new Date()): Promise<string[]> {
  if (retentionDays <= 0) return [];
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const deleted: string[] = [];
  for (const name of await listJournalFiles(dir)) {
    const day = Date.parse(`${name.slice(0, 10)}T00:00:00Z`);
    // The file holds writes up to the end of its day: prune only when that end is past the cutoff.
    if (!(day + 86_400_000 <= cutoff)) continue;
    const path = join(dir, name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      continue;
    }
    if ((checkpoint.files[name] ?? 0) < size) continue;
    await unlink(path);
    delete checkpoint.files[name];
    deleted.push(name);
  }
  return deleted;
}

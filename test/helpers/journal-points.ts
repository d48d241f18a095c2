import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readJournal, type SkippedLine } from "../../src/store/journal.js";
import type { Point } from "../../src/store/point.js";

/** Every point in DATA_DIR/journal, in file order, and the lines the reader had to skip. */
export async function journalPoints(dataDir: string): Promise<{ points: Point[]; skipped: SkippedLine[] }> {
  const points: Point[] = [];
  const skipped: SkippedLine[] = [];
  for await (const p of readJournal(join(dataDir, "journal"), undefined, (s) => skipped.push(s))) points.push(p);
  return { points, skipped };
}

/** The raw bytes of every journal file, to check that each ends with a newline (no torn line). */
export async function journalFiles(dataDir: string): Promise<Array<{ name: string; text: string }>> {
  const dir = join(dataDir, "journal");
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".jsonl")).sort();
  } catch {
    return [];
  }
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), "utf8") })));
}

/** `pr_observation` points of one PR, in journal order. */
export function observationsOf(points: Point[], repo: string, pr: number): Point[] {
  return points.filter((p) => p.measurement === "pr_observation" && p.tags["repo"] === repo && p.tags["pr"] === String(pr));
}

/**
 * Polls the journal every `intervalMs` until `accept(points)` returns something, and returns it
 * with the moment it was first seen; throws after `timeoutMs` with what was there.
 */
export async function waitForJournal<T>(
  dataDir: string,
  accept: (points: Point[]) => T | undefined,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ value: T; seenAt: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const { points } = await journalPoints(dataDir);
    const value = accept(points);
    if (value !== undefined) return { value, seenAt: performance.now() };
    if (Date.now() > deadline) {
      throw new Error(`the journal did not reach the expected state within ${options.timeoutMs ?? 15_000} ms; it holds ${points.length} points:\n${points.slice(-5).map((p) => JSON.stringify(p)).join("\n")}`);
    }
    await sleep(options.intervalMs ?? 20);
  }
}

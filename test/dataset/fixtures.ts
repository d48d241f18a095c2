import { Journal } from "../../src/store/journal.js";
import { makePoint, type FieldValue, type Point } from "../../src/store/point.js";

// Builders for the dataset tests: points as the app writes them (tags repo, pr[, author]).
const at = (iso: string) => new Date(iso);

export function obs(repo: string, pr: number, time: string, fields: Record<string, FieldValue> = {}): Point {
  return makePoint("pr_observation", at(time), { repo, pr: String(pr), author: "jules[bot]" }, { state: "OPEN", ...fields });
}

export function act(repo: string, pr: number, time: string, action: string, fields: Record<string, FieldValue> = {}): Point {
  return makePoint("action_taken", at(time), { repo, pr: String(pr) }, { action, reason: `why ${action}`, source: "cli", ...fields });
}

export function out(repo: string, pr: number, time: string, result: string, resolutionHours: number, detail = result): Point {
  return makePoint("outcome", at(time), { repo, pr: String(pr) }, { result, detail, resolution_hours: resolutionHours });
}

/** Appends the points to a journal in `dir`, in the given order (that order is the write order). */
export async function writeJournal(dir: string, points: Point[]): Promise<void> {
  const journal = new Journal({ dir, flushIntervalMs: 0, clock: () => new Date("2026-02-05T00:00:00.000Z") });
  await journal.write(points);
  await journal.close();
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Parses JSON lines. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A source from an array, in batches of 2 (for tests of the generic, non-journal path). */
export async function* fromArray(points: Point[]): AsyncGenerator<Point[]> {
  for (let i = 0; i < points.length; i += 2) yield points.slice(i, i + 2);
}

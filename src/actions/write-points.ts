import type { Runtime } from "../runtime.js";
import type { Point } from "../store/point.js";
import type { RecentPoints } from "./recent-points.js";

/**
 * Writes points to the store (resolving once they are in the journal) and tells the attempt
 * counters about the actions among them. With `recent`, exact repeats of points this process
 * already wrote are skipped; a failed write is forgotten so a redelivery can retry it.
 * Returns the points actually written.
 */
export async function writePoints(
  runtime: Pick<Runtime, "store" | "attempts">,
  points: Point[],
  recent?: RecentPoints,
): Promise<Point[]> {
  const fresh = recent ? recent.claim(points) : points;
  if (fresh.length === 0) return fresh;
  try {
    await runtime.store.write(fresh);
  } catch (err) {
    recent?.release(fresh);
    throw err;
  }
  runtime.attempts.record?.(fresh);
  return fresh;
}

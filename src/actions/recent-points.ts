import { pointKey, type Point } from "../store/point.js";

/** How many points a RecentPoints remembers by default. */
export const RECENT_POINTS_CAPACITY = 10_000;

/**
 * Remembers the last `capacity` points this process wrote, so a redelivered webhook (GitHub
 * resends the same X-GitHub-Delivery, or a second event describes the same close) adds no
 * second journal line. Only exact repeats are dropped: same identity and same fields. A point
 * with the same identity but new fields still goes through (in InfluxDB it replaces the old).
 */
export class RecentPoints {
  #seen = new Map<string, string>();

  constructor(private readonly capacity = RECENT_POINTS_CAPACITY) {}

  /** The points not written before; they are remembered from now on. */
  claim(points: Point[]): Point[] {
    const fresh: Point[] = [];
    for (const point of points) {
      const key = pointKey(point);
      const fields = fieldsKey(point);
      if (this.#seen.get(key) === fields) continue;
      this.#seen.delete(key); // re-insert: the Map's order is the eviction order
      this.#seen.set(key, fields);
      fresh.push(point);
    }
    while (this.#seen.size > this.capacity) {
      this.#seen.delete(this.#seen.keys().next().value!);
    }
    return fresh;
  }

  /** Forgets points whose write failed, so a redelivery can write them. */
  release(points: Point[]): void {
    for (const point of points) {
      if (this.#seen.get(pointKey(point)) === fieldsKey(point)) this.#seen.delete(pointKey(point));
    }
  }
}

// delivery_id differs between a redelivery and the original only in name, not in meaning.
function fieldsKey(point: Point): string {
  const { delivery_id: _ignored, ...fields } = point.fields;
  return JSON.stringify(fields, Object.keys(fields).sort());
}

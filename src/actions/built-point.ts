import type { Point } from "../store/point.js";

/** A point to record, and what the user should know about it (e.g. a field left out, and why). */
export interface BuiltPoint {
  point: Point;
  notes: string[];
}

import type { Point } from "../store/point.js";

/** Groups the points of any source into batches (what the export reads). */
export async function* inBatches(points: AsyncIterable<Point>, size = 1000): AsyncGenerator<Point[]> {
  let batch: Point[] = [];
  for await (const point of points) {
    batch.push(point);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

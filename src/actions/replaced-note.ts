import type { Point } from "../store/point.js";

/**
 * What the CLI and the API say when a write replaced a point already recorded: InfluxDB keeps
 * one point per identity and merges fields, so a field the new write does not set keeps its
 * earlier value there.
 */
export function replacedNote(point: Point): string {
  const tags = Object.entries(point.tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
  return (
    `replaced: a ${point.measurement} with the same identity (${tags}, time ${point.time.toISOString()}) was already recorded; ` +
    `this write replaces its fields (InfluxDB merges fields, so one this write does not set keeps its earlier value). ` +
    `To record a second event, give it its own --time / time.`
  );
}

/** A field value as the journal and InfluxDB carry it. */
export type FieldValue = number | boolean | string;

/**
 * One time-series point. Its identity is measurement + tags + time (as in InfluxDB): writing the
 * same identity twice replaces the fields, it never adds a second point. So every point carries
 * its own explicit time, decided when the event happened, never "now" at send time.
 */
export interface Point {
  measurement: string;
  time: Date;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
}

/** Builds a point, dropping fields whose value is undefined (a signal GitHub did not give). */
export function makePoint(
  measurement: string,
  time: Date,
  tags: Record<string, string>,
  fields: Record<string, FieldValue | undefined | null>,
): Point {
  const kept: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) kept[key] = value;
  }
  return { measurement, time, tags, fields: kept };
}

/** The identity InfluxDB gives a point: measurement, sorted tags and the time in ms. */
export function pointKey(point: Pick<Point, "measurement" | "tags" | "time">): string {
  const tags = Object.keys(point.tags)
    .sort()
    .map((k) => `${k}=${point.tags[k]}`)
    .join("\u0000");
  return `${point.measurement}\u0001${tags}\u0001${point.time.getTime()}`;
}

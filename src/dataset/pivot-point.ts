import type { FieldValue, Point } from "../store/point.js";
import { pointTextOrRef } from "../store/point-text.js";
import { timeMsOf } from "../store/read-journal-batches.js";

/** A raw point as one flat object: repo, pr (a number), time, the other tags, then the fields. */
export type PivotedPoint = { repo: string; pr: number; time: string } & Record<string, FieldValue>;

/**
 * Pivots a point into one object (what `influx query --raw | jq` could not do: `--raw` prints
 * annotated CSV). Tags and fields each in code-unit order, so the journal (write order) and
 * InfluxDB (sorted columns) give the same line. A field named like a key already present (a tag,
 * or repo/pr/time) is kept as `field_<name>` rather than overwriting it.
 */
export function pivotPoint(point: Point): PivotedPoint {
  const out: Record<string, FieldValue> = {
    repo: point.tags.repo ?? "",
    pr: Number(point.tags.pr),
    time: point.time.toISOString(),
  };
  for (const key of Object.keys(point.tags).sort()) {
    if (key !== "repo" && key !== "pr") out[key in out ? `tag_${key}` : key] = point.tags[key]!;
  }
  for (const key of Object.keys(point.fields).sort()) {
    out[key in out ? `field_${key}` : key] = point.fields[key]!;
  }
  return out as PivotedPoint;
}

/**
 * The projection `sortedPoints` needs for `--kind observations|actions|outcomes`: a reference to
 * the journal line (pivoted only on output, so the sort moves ~50 bytes a point, not ~800), or
 * the point's line when it did not come from a journal file.
 */
export function rawProjection(measurement: string, since: Date | undefined): (point: Point) => string | undefined {
  const sinceMs = since?.getTime() ?? -Infinity;
  return (point) => {
    if (point.measurement !== measurement || timeMsOf(point) < sinceMs) return undefined;
    return pointTextOrRef(point);
  };
}

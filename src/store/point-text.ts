import { formatPointLine, parsePointLine, serializePoint } from "./journal-line.js";
import type { Point } from "./point.js";
import { ObservationHead } from "./observation-head.js";
import { JournalLinePoint } from "./read-journal-batches.js";

/*
 * A point as one line of text, for callers that must hold a point outside memory (the delivery
 * log's held outcomes, the export's sorted runs). The text is the journal's line format, but
 * callers treat it as opaque: only src/store/ knows its bytes.
 */

/** The text of a point that can be stored; refuses one that cannot (PointLimitError), as a journal write would. */
export function pointText(point: Point): string {
  return serializePoint(point);
}

/**
 * The text of a point already stored (read back from a store), without the storability check: a
 * journal point's own line when it was read from one (no serialising again), else its text.
 */
export function storedPointText(point: Point): string {
  return point instanceof JournalLinePoint ? point.line : formatPointLine(point);
}

/**
 * A short reference to a point read from a journal file (its file and byte range, ~50 bytes
 * instead of ~800), or its text when it was not read from one. UnreadableLines.point reads a
 * reference back (JournalLineFetcher); journal files are append-only, so the line stays put.
 */
export function pointTextOrRef(point: Point): string {
  return point instanceof JournalLinePoint && point.file ? point.ref : storedPointText(point);
}

/** The point of a text made by pointText or storedPointText (or a journal line); StoreError if it is not one. */
export function pointFromText(text: string): Point {
  return parsePointLine(text);
}

/**
 * A string field of a point. For a journal observation read with lazily parsed fields it is
 * found in the line without parsing them (see JournalLinePoint.stringField): a start-up pass
 * that needs one field of every observation then costs no JSON.parse per line.
 */
export function stringFieldOf(point: Point, name: string): string | undefined {
  if (point instanceof JournalLinePoint || point instanceof ObservationHead) return point.stringField(name);
  const value = point.fields[name];
  return typeof value === "string" ? value : undefined;
}

import type { SkippedLine } from "../store/journal.js";
import type { Point } from "../store/point.js";
import { pointFromText } from "../store/point-text.js";
import { JournalLineFetcher } from "../store/read-journal-batches.js";

/**
 * Counts the journal lines an export or stats run could not read, each once, wherever it was
 * found: by the reader (not a point at all), or later, when the fields of an observation are
 * parsed. Observations' fields are parsed only when used (see JournalLinePoint): checking every
 * line's fields up front cost about 1.2 µs a line (measured: a compiled regex, a hand-written
 * scanner and JSON.parse all cost 1–4 µs for an 800-byte observation), a quarter of the export's
 * time, so a line whose damage is inside its fields is found, skipped and counted when it is used.
 */
export class UnreadableLines {
  #count = 0;
  #seen = new Set<string>();
  #fetcher = new JournalLineFetcher();

  /** Lines skipped so far. */
  get count(): number {
    return this.#count;
  }

  /** For the reader's onSkip. */
  readonly skipped = (_skipped: SkippedLine): void => {
    this.#count++;
  };

  /**
   * The point of a payload (a journal line or a JournalLinePoint reference), or undefined when
   * the line cannot be read (counted once per line, however often it is asked for).
   */
  point(payload: string): Point | undefined {
    // A line that cannot be read back (the journal pruned meanwhile) fails the run: not counted.
    const line = JournalLineFetcher.isRef(payload) ? this.#fetcher.line(payload) : payload;
    try {
      return pointFromText(line);
    } catch {
      if (!this.#seen.has(payload)) {
        this.#seen.add(payload);
        this.#count++;
      }
      return undefined;
    }
  }

  close(): void {
    this.#fetcher.close();
  }
}

import { closeSync, openSync, readSync } from "node:fs";
import { setImmediate } from "node:timers/promises";

/** What a visitor made of the complete lines of one block read from a journal file. */
export interface LineBlock<T> {
  items: T[];
  /** The file offset just past the block's last complete line: where the next read starts. */
  end: number;
}

/**
 * Reads a journal file from `startOffset` in blocks of 1 MiB and yields, per block, what `visit`
 * made of its lines (undefined results are dropped). `visit` sees the raw bytes (buf[start..end),
 * without the newline) and the line's file offset, so a reader chooses lines by their first bytes
 * and decodes only what it needs; the buffer is reused after the call. A last
 * line with no newline is an unfinished write and is not yielded: its bytes are read again next
 * time, once complete. A file that does not exist (pruned meanwhile) throws ENOENT.
 *
 * Synchronous reads into one reused buffer, on purpose (as readJournalBatches): a stream's
 * event-loop round trips and per-block copies cost ~0.5 s per million lines; the loop is given a
 * turn after every block.
 */
export async function* journalBlocks<T>(
  path: string,
  startOffset: number,
  visit: (buf: Buffer, start: number, end: number, offset: number) => T | undefined,
): AsyncGenerator<LineBlock<T>> {
  const fd = openSync(path, "r");
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let filled = 0; // bytes at buf[0] carried over: the start of an unfinished line
    let base = startOffset; // file offset of buf[0]
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than the buffer
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, base + filled);
      if (n === 0) return;
      const end = filled + n;
      const items: T[] = [];
      let start = 0;
      let nl = buf.indexOf(10, start);
      while (nl !== -1 && nl < end) {
        if (nl > start) {
          const item = visit(buf, start, nl, base + start);
          if (item !== undefined) items.push(item);
        }
        start = nl + 1;
        nl = buf.indexOf(10, start);
      }
      buf.copy(buf, 0, start, end);
      filled = end - start;
      base += start;
      yield { items, end: base };
      // A turn of the event loop after every block (~1 MiB, a few ms): the app's start-up pass
      // runs while the app starts and answers, which must not wait behind it.
      await setImmediate();
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A `pick` for journalBlocks that keeps the lines of the given measurements, by comparing the
 * line's first bytes with the way serializePoint starts a line of each (no decoding, no parsing).
 * A line in another shape (garbage, or torn before its measurement) is not one of them and is
 * passed over uncounted, as a reader of these measurements always did; a reader of every line
 * (`undefined`) parses it, and skips and counts it.
 */
export function measurementPick(measurements: Iterable<string> | undefined): (buf: Buffer, start: number, end: number) => boolean {
  if (!measurements) return () => true;
  const heads = [...measurements].map((m) => Buffer.from(`${LINE_HEAD}${JSON.stringify(m)},`, "utf8"));
  // The byte after `{"measurement":"` of each: most lines are told apart by it alone, without a
  // call into Buffer.compare (a million of them cost a few hundred ms).
  const firstBytes = new Set(heads.map((h) => h[LINE_HEAD.length + 1]));
  return (buf, start, end) => {
    if (!firstBytes.has(buf[start + LINE_HEAD.length + 1]!)) return false;
    for (const head of heads) {
      if (end - start >= head.length && buf.compare(head, 0, head.length, start, start + head.length) === 0) return true;
    }
    return false;
  };
}

/** How serializePoint starts every line (src/store/journal-line.ts). */
const LINE_HEAD = '{"measurement":';

import { closeSync, openSync, readSync } from "node:fs";
import { setImmediate } from "node:timers/promises";

/** The complete lines of one block read from a journal file that the caller picked. */
export interface LineBlock {
  lines: { text: string; offset: number; length: number }[];
  /** The file offset just past the block's last complete line: where the next read starts. */
  end: number;
}

/**
 * Reads a journal file from `startOffset` in blocks of 1 MiB and yields, per block, the lines
 * `pick` accepts, decoded; the others are never decoded into strings. `pick` sees the raw bytes
 * (buf[start..end), without the newline), so a reader can choose lines by their first bytes. A last
 * line with no newline is an unfinished write and is not yielded: its bytes are read again next
 * time, once complete. A file that does not exist (pruned meanwhile) throws ENOENT.
 *
 * Synchronous reads into one reused buffer, on purpose (as readJournalBatches): a stream's
 * event-loop round trips and per-block copies cost ~0.5 s per million lines; the loop is given a
 * turn every 16 blocks so timers and signals still run.
 */
export async function* journalBlocks(
  path: string,
  startOffset: number,
  pick: (buf: Buffer, start: number, end: number) => boolean,
): AsyncGenerator<LineBlock> {
  const fd = openSync(path, "r");
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let filled = 0; // bytes at buf[0] carried over: the start of an unfinished line
    let base = startOffset; // file offset of buf[0]
    let blocks = 0;
    for (;;) {
      if (filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2); // a line longer than the buffer
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const n = readSync(fd, buf, filled, buf.length - filled, base + filled);
      if (n === 0) return;
      const end = filled + n;
      const lines: LineBlock["lines"] = [];
      let start = 0;
      let nl = buf.indexOf(10, start);
      while (nl !== -1 && nl < end) {
        if (nl > start && pick(buf, start, nl)) lines.push({ text: buf.toString("utf8", start, nl), offset: base + start, length: nl - start });
        start = nl + 1;
        nl = buf.indexOf(10, start);
      }
      buf.copy(buf, 0, start, end);
      filled = end - start;
      base += start;
      yield { lines, end: base };
      if (++blocks % 16 === 0) await setImmediate();
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
  return (buf, start, end) => {
    for (const head of heads) {
      if (end - start >= head.length && buf.compare(head, 0, head.length, start, start + head.length) === 0) return true;
    }
    return false;
  };
}

/** How serializePoint starts every line (src/store/journal-line.ts). */
const LINE_HEAD = '{"measurement":';

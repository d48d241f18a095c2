import { open } from "node:fs/promises";
import { listJournalFiles } from "./journal.js";

/** Bytes read at a time; a line longer than this grows the buffer. */
const READ_BYTES = 1 << 20;

/**
 * The complete lines of one journal file that contain `needle` (UTF-8 bytes), in file order. A
 * last line without its newline (a write in progress, or torn) is not yielded; a file that
 * cannot be opened (pruned meanwhile) yields nothing.
 *
 * With the byte offset of each line. Hand-written rather than readJournalLines + includes(): the API and the CLI look up one pull
 * request or one identity before each write, and searching the raw bytes (Buffer.indexOf) passes
 * over the lines that do not match without decoding each into a string. The buffer is reused,
 * the unfinished last line moved to its front, so a file costs one read at memory speed.
 */
export async function* fileLinesContaining(path: string, needle: string): AsyncGenerator<{ line: string; offset: number }> {
  const pattern = Buffer.from(needle, "utf8");
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    return;
  }
  try {
    let buf = Buffer.allocUnsafe(READ_BYTES * 2);
    let have = 0; // bytes of an unfinished line kept at the front
    let base = 0; // file offset of buf[0]
    for (;;) {
      if (buf.length - have < READ_BYTES) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, have, buf.length - have, null);
      if (bytesRead === 0) return;
      const end = have + bytesRead;
      const complete = buf.lastIndexOf(10, end - 1) + 1; // up to and including the last newline
      const lines = buf.subarray(0, complete);
      for (let hit = lines.indexOf(pattern); hit !== -1; ) {
        const start = lines.lastIndexOf(10, hit) + 1;
        const stop = lines.indexOf(10, hit);
        yield { line: lines.toString("utf8", start, stop), offset: base + start };
        hit = lines.indexOf(pattern, stop + 1);
      }
      buf.copy(buf, 0, complete, end);
      have = end - complete;
      base += complete;
    }
  } finally {
    await handle.close();
  }
}

/** The journal's file names in time order; none when the folder cannot be listed. */
export async function journalFileNames(dir: string): Promise<string[]> {
  try {
    return await listJournalFiles(dir);
  } catch {
    return [];
  }
}

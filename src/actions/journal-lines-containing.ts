import { open } from "node:fs/promises";
import { join } from "node:path";
import { listJournalFiles } from "../store/journal.js";

/**
 * The complete lines of the journal files in `dir` that contain `needle` (UTF-8 bytes), in file
 * order, with the file's name. Files named for a UTC day before `fromDay` (YYYY-MM-DD) are not
 * read. A last line without its newline (a write in progress, or torn) is not yielded; a folder
 * or file that cannot be read yields nothing.
 *
 * Hand-written rather than readJournalLines + includes(): the API and the CLI look up one pull
 * request or one identity before each write, and searching the raw bytes (Buffer.indexOf) skips
 * the lines that do not match without turning each into a string, so the lookup costs a read of
 * the files at memory speed rather than a decode of every line.
 */
export async function* journalLinesContaining(
  dir: string,
  needle: string,
  options: { fromDay?: string } = {},
): AsyncGenerator<{ file: string; line: string }> {
  const pattern = Buffer.from(needle, "utf8");
  let names: string[];
  try {
    names = await listJournalFiles(dir);
  } catch {
    // DATA_DIR not a folder, not readable: nothing to find; the write that follows says what is wrong.
    return;
  }
  for (const name of names) {
    if (options.fromDay && name.slice(0, 10) < options.fromDay) continue;
    let handle;
    try {
      handle = await open(join(dir, name), "r");
    } catch {
      continue; // pruned or moved meanwhile
    }
    try {
      let carry = Buffer.alloc(0);
      const chunk = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
        const complete = buf.lastIndexOf(10) + 1; // bytes up to and including the last newline
        for (let hit = buf.indexOf(pattern); hit !== -1 && hit < complete; ) {
          const start = buf.lastIndexOf(10, hit) + 1;
          const end = buf.indexOf(10, hit);
          yield { file: name, line: buf.toString("utf8", start, end) };
          hit = buf.indexOf(pattern, end + 1);
        }
        carry = Buffer.from(buf.subarray(complete));
      }
    } finally {
      await handle.close();
    }
  }
}

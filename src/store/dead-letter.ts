import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";

/** One journal line InfluxDB refused (or that could not be read), set aside with the reason. */
export interface DeadLetter {
  /** When it was set aside. */
  at: string;
  /** The journal file and the byte offset of the line in it. */
  journal: string;
  offset: number;
  /** The HTTP status InfluxDB answered (absent when the line could not even be parsed). */
  status?: number | undefined;
  /** The server's reason, e.g. `field type conflict: input field "pr" on measurement ... is type float, already exists as type integer`. */
  reason: string;
  /** The journal line, unchanged, so it can be fixed and replayed. */
  line: string;
}

/**
 * Appends dead letters to DATA_DIR/dead-letter/YYYY-MM-DD.jsonl (one JSON object a line) and
 * fsyncs them, before the forwarder moves its checkpoint past them: nothing vanishes silently.
 */
export async function writeDeadLetters(dir: string, letters: DeadLetter[], now = new Date()): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${now.toISOString().slice(0, 10)}.jsonl`);
  await appendFile(path, letters.map((l) => JSON.stringify(l) + "\n").join(""), { flush: true });
  return path;
}

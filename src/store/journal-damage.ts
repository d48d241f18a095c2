import type { TornTail } from "./journal.js";

/** The log line for a partial line set aside (shared with the delivery log). */
export function tornMessage(torn: TornTail): string {
  return `a partial line (${torn.length} bytes, a write cut short by a full disk or a power loss) ends ${torn.file} at byte ${torn.offset}; it is closed off so no later write joins it${torn.savedTo ? `, and copied to ${torn.savedTo}` : " (it could not be copied: is the disk still full?)"}. Readers skip it.`;
}

/** The log line for unreadable lines a reader skipped. */
export function skippedMessage(count: number, what: string): string {
  return `${count} unreadable ${what} line(s) skipped (torn by a full disk or a power loss, or edited by hand); the other lines were read`;
}

import type { Logger } from "probot";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
const noop = (): void => undefined;

/**
 * `parent.child(bindings)`, built on its first use. pino serialises a child's bindings when the
 * child is made (a few microseconds), and the per-delivery logger is almost never used: it only
 * speaks on failures and at debug level. A call at a level the parent does not log costs nothing.
 * Hand-written: pino has no lazy child.
 */
export function lazyChildLog(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (typeof prop === "string" && LEVELS.has(prop) && !parent.isLevelEnabled(prop)) return noop;
      child ??= parent.child(bindings);
      const value = Reflect.get(child, prop, child) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(child) : value;
    },
  });
}

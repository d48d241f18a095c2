import type { Probot } from "probot";
import { MalformedPayloadError } from "../errors.js";

/** A handler as Probot calls it (with its Context; typed loosely here, precisely at each family's `on`). */
type AnyHandler = (context: any) => unknown;

/**
 * Collects the handler families' `on(...)` registrations and attaches ONE Probot hook per event
 * name, which runs every family's handler with the same Context.
 *
 * Why: Probot's webhook transform runs once per matching hook, and each run builds a Context
 * around a freshly authenticated Octokit (about 0.1 ms of CPU, most of what a bare Probot app
 * spends on a delivery). With a hook per family, pull_request.closed built three Contexts
 * (observation, outcome, inferred action) and pull_request.labeled/synchronize/... two. The
 * families only read the Context, so sharing one changes nothing else. As with separate hooks,
 * every handler runs even when another fails, and the delivery fails if any of them did (except
 * for a malformed payload, which is logged and acknowledged: see logMalformed).
 */
export class EventHooks {
  #handlers = new Map<string, AnyHandler[]>();

  /** Same signature as Probot's `app.on`. */
  on: Probot["on"] = (events, handler) => {
    for (const event of Array.isArray(events) ? events : [events]) {
      const list = this.#handlers.get(event);
      if (list) list.push(handler);
      else this.#handlers.set(event, [handler]);
    }
  };

  /** Registers one hook per collected event name on the app. */
  attach(app: Pick<Probot, "on">): void {
    for (const [event, list] of this.#handlers) {
      app.on(event as Parameters<Probot["on"]>[0], list.length === 1 ? runOne(list[0]!) : (context: any) => runAll(list, context));
    }
  }
}

interface LoggingContext {
  id: string;
  name: string;
  log: { error(obj: object, msg: string): void };
}

/**
 * A payload that fails its family's shape check (MalformedPayloadError, see check-payload.ts)
 * cannot be fixed by redelivering it: it is logged with the delivery id, the event and each
 * problem (path, what was expected), and the delivery is acknowledged. Every other failure (our
 * own bug, a TypeError included, or the store refusing a write) fails the delivery, so that GitHub
 * shows it and it can be redelivered.
 */
function logMalformed(context: LoggingContext, errors: MalformedPayloadError[]): void {
  const seen = new Set<string>();
  for (const err of errors) {
    // Several families may refuse the same field of one payload: say it once.
    if (seen.has(err.message)) continue;
    seen.add(err.message);
    context.log.error(
      { delivery: context.id, event: err.event, problems: err.problems },
      `${err.message}; delivery acknowledged and nothing recorded from it (redelivering cannot fix it; check what sent it)`,
    );
  }
}

function runOne(handler: AnyHandler): AnyHandler {
  return async (context: LoggingContext) => {
    try {
      await handler(context);
    } catch (err) {
      if (!(err instanceof MalformedPayloadError)) throw err;
      logMalformed(context, [err]);
    }
  };
}

async function runAll(handlers: AnyHandler[], context: LoggingContext): Promise<void> {
  const runs = handlers.map((handler) => {
    try {
      return handler(context);
    } catch (err) {
      return Promise.reject(err);
    }
  });
  const results = await Promise.allSettled(runs);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Error);
  const malformed = failures.filter((e): e is MalformedPayloadError => e instanceof MalformedPayloadError);
  if (malformed.length > 0) logMalformed(context, malformed);
  const errors = failures.filter((e) => !(e instanceof MalformedPayloadError));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join("\n"));
}

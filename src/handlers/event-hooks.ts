import type { Probot } from "probot";

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
 * every handler runs even when another fails, and the delivery fails if any of them did.
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
      const handlers = list.map(tolerateMalformedPayload);
      app.on(event as Parameters<Probot["on"]>[0], handlers.length === 1 ? handlers[0]! : (context: unknown) => runAll(handlers, context));
    }
  }
}

interface LoggingContext {
  id: string;
  name: string;
  payload?: { action?: unknown } | undefined;
  log: { error(obj: object, msg: string): void };
}

/**
 * A payload that lacks the objects its event should carry makes a handler read a property of
 * undefined (a TypeError). Retrying the same payload cannot help, so it is logged once, with the
 * delivery id and event, and the delivery is acknowledged; other failures (the store refusing a
 * write) still fail the delivery, so that GitHub shows it and it can be redelivered.
 */
function tolerateMalformedPayload(handler: AnyHandler): AnyHandler {
  return async (context: LoggingContext) => {
    try {
      return await handler(context);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      const action = typeof context.payload?.action === "string" ? `.${context.payload.action}` : "";
      context.log.error(
        { delivery: context.id, event: `${context.name}${action}`, err: { name: err.name, message: err.message } },
        "webhook payload lacks the objects this event carries; delivery skipped (check the sender of this delivery)",
      );
    }
  };
}

async function runAll(handlers: AnyHandler[], context: unknown): Promise<void> {
  const runs = handlers.map((handler) => {
    try {
      return handler(context);
    } catch (err) {
      return Promise.reject(err);
    }
  });
  const results = await Promise.allSettled(runs);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Error);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join("\n"));
}

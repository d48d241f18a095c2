import type { Probot } from "probot";
import type { DeliveryClaims } from "../pipeline/capture.js";
import { payloadProblems, type PayloadProblem } from "./check-payload.js";
import type { PayloadShapes } from "./payload-shapes.js";

/** A handler as Probot calls it (with its Context; typed loosely here, precisely at each family's `on`). */
type AnyHandler = (context: any) => unknown;

interface Registration {
  handler: AnyHandler;
  /** What the family reads from the payload, checked before any family runs. */
  shapes: PayloadShapes | undefined;
}

interface DeliveryContext {
  id: string;
  name: string;
  payload: unknown;
  log: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

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
 *
 * Before any family runs, the payload is checked against the shape of every family registered
 * for the event (see `checking`). A payload that fails one is malformed: redelivering cannot fix
 * it, so it is logged (delivery id, event, each path and what was expected there) and
 * acknowledged, and no family runs, so nothing at all is recorded from it. Every other failure
 * (our own bug, a TypeError included, or the store refusing a write) fails the delivery, so that
 * GitHub shows it and it can be redelivered.
 */
export class EventHooks {
  #registrations = new Map<string, Registration[]>();

  /**
   * `shared`: with several replicas (REDIS_URL), a delivery another replica recorded is
   * acknowledged and nothing runs; one whose handlers fail is released for its redelivery.
   */
  constructor(private readonly shared?: DeliveryClaims) {}

  /** Same signature as Probot's `app.on`, for a family whose payload needs no check. */
  on: Probot["on"] = (events, handler) => this.#add(events, handler, undefined);

  /** An `on` for a family that reads `shapes` (by event name) from the payload. */
  checking(shapes: PayloadShapes): Pick<Probot, "on"> {
    return { on: (events, handler) => this.#add(events, handler, shapes) };
  }

  #add(events: Parameters<Probot["on"]>[0], handler: AnyHandler, shapes: PayloadShapes | undefined): void {
    for (const event of Array.isArray(events) ? events : [events]) {
      const list = this.#registrations.get(event);
      if (list) list.push({ handler, shapes });
      else this.#registrations.set(event, [{ handler, shapes }]);
    }
  }

  /** Registers one hook per collected event name on the app. */
  attach(app: Pick<Probot, "on">): void {
    for (const [event, list] of this.#registrations) {
      const shapes = [...new Set(list.map((r) => r.shapes).filter((s): s is PayloadShapes => s !== undefined))];
      const handlers = list.map((r) => r.handler);
      app.on(event as Parameters<Probot["on"]>[0], async (context: any) => {
        if (!acceptPayload(context, shapes)) return;
        const claim = this.shared ? await this.shared.claim(context.id) : "unavailable";
        if (claim === "taken") {
          context.log.info({ delivery: context.id, event: context.name }, "delivery already recorded by a replica (redelivery); nothing new written");
          return;
        }
        if (claim === "busy") {
          throw new Error(`delivery ${context.id} is being recorded by another replica for longer than expected (it may have stopped): not acknowledged, so that it can be redelivered`);
        }
        try {
          if (handlers.length === 1) await handlers[0]!(context);
          else await runAll(handlers, context);
        } catch (err) {
          if (claim === "mine") await this.shared!.settle(context.id, false);
          throw err;
        }
        if (claim === "mine") await this.shared!.settle(context.id, true);
      });
    }
  }
}

/** Whether the payload has every family's shape; logs the problems when it does not. */
function acceptPayload(context: DeliveryContext, shapes: PayloadShapes[]): boolean {
  const problems = new Map<string, PayloadProblem>();
  for (const shape of shapes) {
    for (const problem of payloadProblems(context, shape)) problems.set(`${problem.path}\0${problem.expected}`, problem);
  }
  if (problems.size === 0) return true;
  const action = (context.payload as { action?: unknown } | null)?.action;
  const event = typeof action === "string" ? `${context.name}.${action}` : context.name;
  const list = [...problems.values()];
  context.log.error(
    { delivery: context.id, event, problems: list },
    `malformed ${event} payload: ${list.map((p) => `${p.path || "(payload)"}: ${p.expected}, got ${p.got}`).join("; ")}. ` +
      "Delivery acknowledged and nothing recorded from it (redelivering cannot fix it; check what sent it)",
  );
  return false;
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

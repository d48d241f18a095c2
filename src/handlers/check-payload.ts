import type { z } from "zod";
import { MalformedPayloadError, type PayloadProblem } from "../errors.js";
import type { PayloadShapes } from "./payload-shapes.js";

/** What a handler's Context offers to the check. */
interface Delivery {
  name: string;
  payload: unknown;
}

/**
 * Checks a delivery's payload against its handler family's shape for the event (see
 * payload-shapes.ts). Throws MalformedPayloadError naming each path and what was expected there;
 * handlers/event-hooks.ts logs it and acknowledges the delivery, so nothing is written from it.
 */
export function checkPayload(context: Delivery, shapes: PayloadShapes): void {
  const shape = shapes[context.name];
  // A family registered for an event it has no shape for is our bug: fail the delivery loudly.
  if (!shape) throw new Error(`no payload shape for the ${context.name} event in this handler family (src/handlers/payload-shapes.ts)`);
  const result = shape.safeParse(context.payload, { reportInput: true });
  if (result.success) return;
  const action = (context.payload as { action?: unknown } | null)?.action;
  const event = typeof action === "string" ? `${context.name}.${action}` : context.name;
  throw new MalformedPayloadError(event, result.error.issues.map(problemOf));
}

function problemOf(issue: z.core.$ZodIssue): PayloadProblem {
  return { path: issue.path.map(String).join("."), expected: issue.message, got: clip(issue.input) };
}

/** Enough of a value to see what was wrong, never a whole payload (it could be megabytes). */
function clip(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

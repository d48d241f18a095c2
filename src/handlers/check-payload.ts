import type { z } from "zod";
import type { PayloadShapes } from "./payload-shapes.js";

/** Where a webhook payload differs from what its event carries. */
export interface PayloadProblem {
  /** Dotted path in the payload, e.g. `repository.full_name` ("" for the payload itself). */
  path: string;
  /** What GitHub documents there. */
  expected: string;
  /** What the payload had there, clipped (never a whole object). */
  got: string;
}

/**
 * Checks a delivery's payload against a handler family's shape for its event (see
 * payload-shapes.ts) and returns every problem found, none when it has the shape. A family
 * registered for an event it has no shape for is our bug, and throws.
 */
export function payloadProblems(context: { name: string; payload: unknown }, shapes: PayloadShapes): PayloadProblem[] {
  const shape = shapes[context.name];
  if (!shape) throw new Error(`no payload shape for the ${context.name} event in this handler family (src/handlers/payload-shapes.ts)`);
  const result = shape.safeParse(context.payload, { reportInput: true });
  return result.success ? [] : result.error.issues.map(problemOf);
}

function problemOf(issue: z.core.$ZodIssue): PayloadProblem {
  return { path: issue.path.map(String).join("."), expected: issue.message, got: clip(issue.input) };
}

/** Enough of a value to see what was wrong, never a whole payload (it could be megabytes). */
function clip(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

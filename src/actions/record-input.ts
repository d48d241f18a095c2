import { z } from "zod";
import { InputError } from "../errors.js";
import { MAX_HOURS } from "../store/field-types.js";
import { futureProblem, subMillisecondProblem, timeProblem } from "../store/point-limits.js";

/**
 * The actions the original design names, plus the ones inferred from GitHub events. Any other
 * snake_case name of at most 64 characters is accepted too, so an orchestrator can grow its own
 * vocabulary without a release of this app.
 */
export const KNOWN_ACTIONS = [
  "wait",
  "request_review_fix",
  "request_conflict_fix",
  "resolve_conflict",
  "comment",
  "enable_auto_merge",
  "request_review",
  "update_branch",
  "close",
  "merge",
  "label",
] as const;

/** The outcomes GitHub gives (success, closed) and the one only an orchestrator sees (escalated). */
export const KNOWN_RESULTS = ["success", "closed", "escalated"] as const;

/** Where an action or outcome was recorded from. */
export type RecordSource = "cli" | "api" | "inferred" | "webhook" | "sweep" | "backfill";

const SNAKE_CASE = /^[a-z][a-z0-9_]*$/;
/** 1 KiB of UTF-8: a reason or detail is a sentence, not a log. */
export const MAX_TEXT_BYTES = 1024;

const snakeName = (what: string, known: readonly string[]) =>
  z
    .string({ error: `must be a string such as ${known.slice(0, 4).join(", ")}` })
    .max(64, { error: `must be at most 64 characters` })
    .regex(SNAKE_CASE, {
      error: `must be snake_case (a-z, 0-9 and _, starting with a letter), e.g. ${known.join(", ")}`,
    })
    .describe(what);

const text = z
  .string({ error: "must be a string" })
  .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_TEXT_BYTES, { error: `must be at most ${MAX_TEXT_BYTES} bytes` });

const repo = z
  .string({ error: "must be owner/name, e.g. dappcore/core" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/, { error: "must be owner/name, e.g. dappcore/core" });

// JSON clients send numbers; a CLI or a shell script may send "315". Anything else is refused.
const pr = z.preprocess(
  (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
  z
    .number({ error: "must be a pull request number (a positive whole number)" })
    .int({ error: "must be a pull request number (a positive whole number)" })
    .positive({ error: "must be a pull request number (a positive whole number)" }),
);

/** How far ahead of now a recorded time may be: MAX_FUTURE_HOURS (default 24); `now` for tests. */
export interface TimeLimits {
  maxFutureHours: number;
  now?: () => Date;
}

/** MAX_FUTURE_HOURS's default. */
export const DEFAULT_MAX_FUTURE_HOURS = 24;

// An ISO 8601 time with an offset, at most millisecond precision (a finer one would be truncated
// silently), that InfluxDB can store and that is not further ahead than the limit.
const time = (limits: TimeLimits) =>
  z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 time such as 2026-02-05T09:00:00Z" })
    .superRefine((s, ctx) => {
      const problem = subMillisecondProblem(s);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((s) => new Date(s))
    .superRefine((d, ctx) => {
      const problem = timeProblem(d) ?? futureProblem(d, limits.now?.() ?? new Date(), limits.maxFutureHours);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

// GitHub logins: alphanumerics and single hyphens, at most 39; apps end in [bot].
const actor = z.string({ error: "must be a GitHub login" }).regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, {
  error: "must be a GitHub login such as octocat or my-app[bot]",
});

/**
 * The schemas of what `record-action` / POST /api/actions and `record-outcome` / POST
 * /api/outcomes take, with the configured limit for times in the future (MAX_FUTURE_HOURS).
 */
export function recordInputSchemas(limits: TimeLimits) {
  const action = z.strictObject({
    repo,
    pr,
    action: snakeName("action", KNOWN_ACTIONS),
    reason: text.optional(),
    time: time(limits).optional(),
    actor: actor.optional(),
  });
  const outcome = z.strictObject({
    repo,
    pr,
    result: snakeName("result", KNOWN_RESULTS),
    detail: text.optional(),
    // zod's number() already refuses NaN and Infinity; 1e308 is finite but poisons sums and means.
    resolution_hours: z
      .number({ error: "must be a finite number of hours >= 0" })
      .min(0, { error: "must be a finite number of hours >= 0" })
      .max(MAX_HOURS, { error: `must be at most ${MAX_HOURS} hours (about 114 years)` })
      .optional(),
    time: time(limits).optional(),
  });
  return { action, outcome };
}

const defaults = recordInputSchemas({ maxFutureHours: DEFAULT_MAX_FUTURE_HOURS });
/** What `record-action` and POST /api/actions take, with MAX_FUTURE_HOURS at its default. */
export const actionInputSchema = defaults.action;
/** What `record-outcome` and POST /api/outcomes take, with MAX_FUTURE_HOURS at its default. */
export const outcomeInputSchema = defaults.outcome;

export type ActionInput = z.infer<typeof actionInputSchema>;
export type OutcomeInput = z.infer<typeof outcomeInputSchema>;

/**
 * Validates `raw` against one of the schemas above. Throws InputError naming the first bad
 * field, spelled by `fieldName` (the JSON key for the API, the --flag for the CLI).
 */
export function parseRecordInput<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  fieldName: (key: string) => string = (key) => key,
): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const names = issue.keys.map(fieldName).join(", ");
    throw new InputError(`unknown field ${names}: the fields are ${Object.keys(shapeOf(schema)).map(fieldName).join(", ")}`, issue.keys[0]);
  }
  const key = String(issue.path[0] ?? "");
  if (!key) throw new InputError(`the body must be a JSON object with the fields ${Object.keys(shapeOf(schema)).map(fieldName).join(", ")}`);
  if ((raw as Record<string, unknown>)[key] === undefined) {
    throw new InputError(`${fieldName(key)} is required`, key);
  }
  throw new InputError(`${fieldName(key)} ${issue.message}`, key);
}

function shapeOf(schema: z.ZodType): Record<string, unknown> {
  return (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
}

/** Cuts `text` to at most MAX_TEXT_BYTES of UTF-8 on a character boundary, marking the cut with "…". */
export function clipText(text: string): string {
  if (Buffer.byteLength(text, "utf8") <= MAX_TEXT_BYTES) return text;
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, "utf8");
    if (bytes + size > MAX_TEXT_BYTES - 3) break; // "…" is 3 bytes
    out += ch;
    bytes += size;
  }
  return out + "…";
}

import { InputError } from "../errors.js";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(?:\.\d+)?)([mhdw])$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Reads `--since`/`--until`: a duration back from `now` (`90d`, `12h`, `30m`, `2w`), a UTC date
 * (`2026-02-05`: the start of that day for since, its last millisecond for until) or an ISO-8601
 * date-time with a zone (`2026-02-05T09:00:00Z`). Anything else is an InputError naming the option.
 */
export function parseTimeArg(value: string, option: "since" | "until", now: Date): Date {
  const v = value.trim();
  const duration = DURATION.exec(v);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNITS[duration[2]!]!);
  if (DATE_ONLY.test(v) || DATE_TIME.test(v)) {
    const date = new Date(DATE_ONLY.test(v) ? `${v}T00:00:00.000Z` : v);
    if (!Number.isNaN(date.getTime()) && (!DATE_ONLY.test(v) || date.toISOString().startsWith(v))) {
      return DATE_ONLY.test(v) && option === "until" ? new Date(date.getTime() + 86_400_000 - 1) : date;
    }
  }
  throw new InputError(
    `--${option} "${value}" is not a duration or a date: use e.g. 90d, 12h, 30m, 2w, 2026-02-05 or 2026-02-05T09:00:00Z`,
    option,
  );
}

/** `--since` / `--until` as a checked window (since not after until); either may be absent. */
export function parseTimeWindow(args: { since?: string | undefined; until?: string | undefined }, now: Date): { since: Date | undefined; until: Date | undefined } {
  const since = args.since === undefined ? undefined : parseTimeArg(args.since, "since", now);
  const until = args.until === undefined ? undefined : parseTimeArg(args.until, "until", now);
  if (since && until && since > until) throw new InputError(`--since (${since.toISOString()}) is after --until (${until.toISOString()})`, "since");
  return { since, until };
}

import type { OutcomeInput, RecordSource } from "../actions/record-input.js";
import { makePoint, type Point } from "../store/point.js";

/** The `outcome` point for a validated outcome (the CLI's and the API's). Time: given, else `now`. */
export function outcomePoint(input: OutcomeInput, source: RecordSource, now: Date): Point {
  return makePoint(
    "outcome",
    input.time ?? now,
    { repo: input.repo, pr: String(input.pr) },
    { result: input.result, detail: input.detail, resolution_hours: input.resolution_hours, source },
  );
}

import { makePoint, type Point } from "../store/point.js";
import type { ActionInput, RecordSource } from "./record-input.js";

/**
 * The `action_taken` point for a validated action. Its time is the given time, else `now`; the
 * identity (repo, pr, time) is what makes recording the same event twice harmless.
 */
export function actionPoint(
  input: ActionInput,
  source: RecordSource,
  now: Date,
  extra: { deliveryId?: string | undefined } = {},
): Point {
  return makePoint(
    "action_taken",
    input.time ?? now,
    { repo: input.repo, pr: String(input.pr) },
    { action: input.action, reason: input.reason, source, actor: input.actor, delivery_id: extra.deliveryId },
  );
}

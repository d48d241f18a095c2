import type { Probot } from "probot";
import type { Capture } from "../pipeline/capture.js";
import type { Runtime } from "../runtime.js";
import { observeEvent } from "./observe-event.js";

/** The pull_request actions that change a signal (closed also gives the final observation). */
export const PULL_REQUEST_ACTIONS = [
  "opened",
  "reopened",
  "synchronize",
  "edited",
  "ready_for_review",
  "converted_to_draft",
  "labeled",
  "unlabeled",
  "review_requested",
  "review_request_removed",
  "auto_merge_enabled",
  "auto_merge_disabled",
  "enqueued",
  "dequeued",
  "closed",
] as const;

/** pull_request.* → an observation of that PR. */
export function registerPullRequest(app: Pick<Probot, "on">, runtime: Runtime, capture: Capture): void {
  app.on(
    PULL_REQUEST_ACTIONS.map((a) => `pull_request.${a}` as const),
    (context) => observeEvent(context, runtime, capture, { prs: [context.payload.pull_request.number] }),
  );
}

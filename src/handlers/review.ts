import type { Probot } from "probot";
import type { Capture } from "../pipeline/capture.js";
import type { Runtime } from "../runtime.js";
import { observeEvent } from "./observe-event.js";

/** pull_request_review.{submitted,edited,dismissed} and pull_request_review_thread.{resolved,unresolved} → an observation. */
export function registerReview(app: Pick<Probot, "on">, runtime: Runtime, capture: Capture): void {
  app.on(
    [
      "pull_request_review.submitted",
      "pull_request_review.edited",
      "pull_request_review.dismissed",
      "pull_request_review_thread.resolved",
      "pull_request_review_thread.unresolved",
    ],
    (context) => observeEvent(context, runtime, capture, { prs: [context.payload.pull_request.number] }),
  );
}

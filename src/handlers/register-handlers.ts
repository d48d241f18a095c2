import type { Probot } from "probot";
import type { Capture } from "../pipeline/capture.js";
import type { Runtime } from "../runtime.js";
import { registerChecks } from "./checks.js";
import { registerClosed } from "./closed.js";
import { registerInferredActions } from "./inferred-actions.js";
import { registerPullRequest } from "./pull-request.js";
import { registerReview } from "./review.js";

/**
 * Every webhook event family the app listens to, in one visible list (app.yml subscribes to the
 * same events). Each family lives in its own file.
 */
export function registerHandlers(app: Probot, runtime: Runtime, capture: Capture): void {
  registerPullRequest(app, runtime, capture); // pull_request.*
  registerReview(app, runtime, capture); // pull_request_review.*, pull_request_review_thread.*
  registerChecks(app, runtime, capture); // check_suite.completed, check_run.*, status
  registerClosed(app, runtime); // pull_request.closed → outcome
  registerInferredActions(app, runtime); // orchestrators' issue_comment.created and pull_request.* → action_taken
}

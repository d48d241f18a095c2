import type { Probot } from "probot";
import type { Capture } from "../pipeline/capture.js";
import type { Runtime } from "../runtime.js";
import { registerChecks } from "./checks.js";
import { registerClosed } from "./closed.js";
import { EventHooks } from "./event-hooks.js";
import { registerInferredActions } from "./inferred-actions.js";
import { inferredActionShapes, observationShapes, outcomeShapes } from "./payload-shapes.js";
import { registerPullRequest } from "./pull-request.js";
import { registerReview } from "./review.js";

/**
 * Every webhook event family the app listens to, in one visible list (app.yml subscribes to the
 * same events). Each family lives in its own file. The families register on an EventHooks, which
 * gives Probot one hook per event name (one Context, one Octokit per delivery; see event-hooks.ts),
 * each with the payload shape it reads (payload-shapes.ts): a payload that lacks it is logged and
 * acknowledged before any family runs.
 */
export function registerHandlers(app: Pick<Probot, "on">, runtime: Runtime, capture: Capture): void {
  const hooks = new EventHooks();
  registerPullRequest(hooks.checking(observationShapes), runtime, capture); // pull_request.*
  registerReview(hooks.checking(observationShapes), runtime, capture); // pull_request_review.*, pull_request_review_thread.*
  registerChecks(hooks.checking(observationShapes), runtime, capture); // check_suite.completed, check_run.*, status
  registerClosed(hooks.checking(outcomeShapes), runtime); // pull_request.closed → outcome
  registerInferredActions(hooks.checking(inferredActionShapes), runtime); // orchestrators' issue_comment.created and pull_request.* → action_taken
  hooks.attach(app);
}

import type { Probot } from "probot";
import type { Capture } from "../pipeline/capture.js";
import type { Runtime } from "../runtime.js";
import { registerChecks } from "./checks.js";
import { recentJournalPoints } from "../outcomes/recent-outcomes.js";
import { REDELIVERY_DAYS, registerClosed } from "./closed.js";
import { EventHooks } from "./event-hooks.js";
import type { SkippedLine } from "../store/journal.js";
import type { Point } from "../store/point.js";
import { skippedMessage } from "../store/journal-damage.js";
import type { HeldResumers } from "./hold-while-waiting.js";
import { registerInferredActions } from "./inferred-actions.js";
import { inferredActionShapes, observationShapes, outcomeShapes } from "./payload-shapes.js";
import { registerPullRequest } from "./pull-request.js";
import { registerReview } from "./review.js";

/**
 * Every webhook event family the app listens to, in one visible list (app.yml subscribes to the
 * same events). Each family lives in its own file. The families register on an EventHooks, which
 * gives Probot one hook per event name (one Context, one Octokit per delivery; see event-hooks.ts),
 * each with the payload shape it reads (payload-shapes.ts): a payload that lacks it is logged and
 * acknowledged before any family runs. Returns how the records a family held in the delivery log
 * are resumed at start (src/app.ts).
 */
export function registerHandlers(
  app: Pick<Probot, "on">,
  runtime: Runtime,
  capture: Capture,
  /** The journal's recent outcomes and actions, when the app's start-up pass has read them (src/startup); read here otherwise. */
  recent?: Promise<Point[]>,
): HeldResumers {
  const hooks = new EventHooks(capture.shared);
  registerPullRequest(hooks.checking(observationShapes), runtime, capture); // pull_request.*
  registerReview(hooks.checking(observationShapes), runtime, capture); // pull_request_review.*, pull_request_review_thread.*
  registerChecks(hooks.checking(observationShapes), runtime, capture); // check_suite.completed, check_run.*, status
  // What a redelivery (or a held record resumed at start) must not write twice: one read of the journal for both.
  const skipped: SkippedLine[] = [];
  const journalRecent = recent ?? recentJournalPoints(runtime.config.journalDir, REDELIVERY_DAYS, ["outcome", "action_taken"], new Date(), (s) => skipped.push(s));
  void journalRecent.then(() => {
    if (skipped.length) runtime.log.warn({ first: skipped[0] }, skippedMessage(skipped.length, "recent outcome/action"));
  }, () => undefined);
  const outcome = registerClosed(hooks.checking(outcomeShapes), runtime, capture.deliveries, journalRecent); // pull_request.closed → outcome
  const action = registerInferredActions(hooks.checking(inferredActionShapes), runtime, capture.deliveries, journalRecent); // orchestrators' issue_comment.created and pull_request.* → action_taken
  hooks.attach(app);
  return { outcome, action };
}

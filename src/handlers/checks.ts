import type { Probot } from "probot";
import type { Capture } from "../pipeline/capture.js";
import type { Runtime } from "../runtime.js";
import { observeEvent, type EventTarget } from "./observe-event.js";

interface CheckLike {
  head_sha?: unknown;
  pull_requests?: Array<{ number?: unknown; base?: { repo?: { id?: unknown } } }>;
}

/**
 * check_suite.completed, check_run.{created,completed,rerequested} and status → observations of
 * the PRs of the head commit. The payload's pull_requests list is empty for PRs from forks and
 * `status` never has one: then the PRs are found by the commit.
 */
export function registerChecks(app: Pick<Probot, "on">, runtime: Runtime, capture: Capture): void {
  app.on(["check_suite.completed"], (context) => observeEvent(context, runtime, capture, checkTarget(context.payload.check_suite, context.payload.repository.id)));
  app.on(["check_run.created", "check_run.completed", "check_run.rerequested"], (context) =>
    observeEvent(context, runtime, capture, checkTarget(context.payload.check_run, context.payload.repository.id)),
  );
  app.on("status", (context) => observeEvent(context, runtime, capture, { prs: [], sha: context.payload.sha }));
}

/** The PRs a check names (only those whose base is this repository), else its head commit. */
export function checkTarget(check: unknown, repositoryId: unknown): EventTarget {
  const c = (check ?? {}) as CheckLike;
  const prs = (Array.isArray(c.pull_requests) ? c.pull_requests : [])
    .filter((pr) => pr.base?.repo?.id === undefined || pr.base.repo.id === repositoryId)
    .map((pr) => pr.number)
    .filter((n): n is number => typeof n === "number");
  return { prs, sha: typeof c.head_sha === "string" ? c.head_sha : undefined };
}

import type { Logger } from "probot";
import { actionPoint } from "../actions/action-point.js";
import { CONFLICT_ACTIONS, countAttempts, REVIEW_FIX_ACTIONS, type RecordedAction } from "../actions/attempt-counters.js";
import { classifyComment } from "../actions/classify-comment.js";
import { inferredTime } from "../actions/inferred-time.js";
import { isBaseMerge } from "../actions/is-base-merge.js";
import { clipText } from "../actions/record-input.js";
import { closeOutcome } from "../outcomes/close-outcome.js";
import { observationPoint } from "../pipeline/observation-point.js";
import { actorLogin } from "../signals/author-login.js";
import type { Point } from "../store/point.js";
import { itemTime, type HistoryItem, type PullRequestHistory } from "../github/pull-request-history.js";
import { snapshotAt } from "./snapshot-at.js";

/** A moment the PR's state may have changed, and the webhook event that would have said so. */
export interface HistoryMoment {
  time: Date;
  /** The event name, e.g. `check_run.completed` (the trigger is `backfill.` + it). */
  event: string;
}

/** What the points of one PR's history depend on besides the history. */
export interface HistoryPointsOptions {
  /** Only points at or after this time... */
  since: Date;
  /** ...and at or before this one. */
  until: Date;
  /** Logins whose actions are recorded (ORCHESTRATOR_LOGINS and the repository's `orchestrators`), any case. */
  orchestrators: ReadonlySet<string>;
  /** The repository's `action_patterns`. */
  actionPatterns?: Readonly<Record<string, readonly string[]>> | undefined;
  /** Actions the store already has for this PR (counted in the attempt counters). */
  storedActions?: readonly RecordedAction[];
  log: Logger;
}

/** The reconstructed points of one PR, by measurement. */
export interface HistoryPoints {
  observations: Point[];
  outcomes: Point[];
  actions: Point[];
}

const EVENT_OF: Partial<Record<HistoryItem["__typename"], string>> = {
  PullRequestCommit: "pull_request.synchronize",
  HeadRefForcePushedEvent: "pull_request.synchronize",
  PullRequestReview: "pull_request_review.submitted",
  ReviewDismissedEvent: "pull_request_review.dismissed",
  ReviewRequestedEvent: "pull_request.review_requested",
  ReviewRequestRemovedEvent: "pull_request.review_request_removed",
  ReadyForReviewEvent: "pull_request.ready_for_review",
  ConvertToDraftEvent: "pull_request.converted_to_draft",
  AutoMergeEnabledEvent: "pull_request.auto_merge_enabled",
  AutoMergeDisabledEvent: "pull_request.auto_merge_disabled",
  LabeledEvent: "pull_request.labeled",
  UnlabeledEvent: "pull_request.unlabeled",
  ReopenedEvent: "pull_request.reopened",
  ClosedEvent: "pull_request.closed",
  MergedEvent: "pull_request.closed",
  BaseRefChangedEvent: "pull_request.edited",
};

/**
 * Every moment of the history, oldest first: the opening, each timeline item, each check run's
 * start and completion and each status. Moments before the opening are the opening (commits made
 * before the PR existed). Pure.
 */
export function historyMoments(history: PullRequestHistory): HistoryMoment[] {
  const opened = Date.parse(history.createdAt);
  const moments: HistoryMoment[] = [{ time: new Date(opened), event: "pull_request.opened" }];
  const add = (iso: string | null | undefined, event: string) => {
    if (!iso) return;
    const t = Date.parse(iso);
    if (t > opened) moments.push({ time: new Date(t), event });
  };
  for (const item of history.timeline) {
    const event = EVENT_OF[item.__typename];
    if (event) add(itemTime(item), event);
  }
  for (const contexts of Object.values(history.checks)) {
    for (const c of contexts) {
      if (c.__typename === "StatusContext") add(c.createdAt, "status");
      else {
        add(c.startedAt, "check_run.created");
        add(c.completedAt, "check_run.completed");
      }
    }
  }
  // Stable: moments of one time keep the order above (the last one names the trigger).
  return moments.sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * The points a PR's history gives, through the live path's own functions:
 * - `pr_observation` (observationPoint) at each moment in the window where a recorded field
 *   changed, from `snapshotAt`, with the fields the past does not tell left out, `trigger`
 *   `backfill.<event>` and `reconstructed` = true;
 * - `outcome` (closeOutcome, source `backfill`) at each close or merge: GitHub's time, as the close handler's;
 * - `action_taken` (source `backfill`) for the orchestrators' comments (classifyComment), auto-merge
 *   enabled, review requests, labels, merges (not by auto-merge) and closes, at the inferred
 *   handler's times (inferredTime with its discriminators), so a live action has the same identity.
 * Pure (the log only hears about bad action_patterns).
 */
export function historyPoints(history: PullRequestHistory, options: HistoryPointsOptions): HistoryPoints {
  const inWindow = (t: Date) => t >= options.since && t <= options.until;
  const actions = inferActions(history, options);
  const outcomes = closeOutcomes(history).filter((p) => inWindow(p.time));

  const recorded: RecordedAction[] = [
    ...(options.storedActions ?? []),
    ...actions.map((p) => ({ action: String(p.fields.action), source: String(p.fields.source), time: p.time.getTime() })),
  ];
  const observations: Point[] = [];
  let lastSignature = "";
  let pending: { moment: HistoryMoment; point: Point } | undefined;
  const flush = () => {
    if (pending && inWindow(pending.point.time)) observations.push(pending.point);
    pending = undefined;
  };
  for (const moment of historyMoments(history)) {
    const t = moment.time.getTime();
    if (pending && pending.moment.time.getTime() !== t) flush();
    const { snapshot, leftOut } = snapshotAt(history, moment.time);
    const upTo = recorded.filter((r) => r.time <= t);
    const point = observationPoint(snapshot, moment.time, {
      trigger: `backfill.${moment.event}`,
      conflictAttempts: countAttempts(upTo.filter((r) => CONFLICT_ACTIONS.has(r.action))),
      reviewFixAttempts: countAttempts(upTo.filter((r) => REVIEW_FIX_ACTIONS.has(r.action))),
    });
    for (const field of leftOut) delete point.fields[field];
    point.fields.reconstructed = true;
    const signature = signatureOf(point);
    if (pending) {
      // Several events in one second: one point, named after the last one.
      pending = { moment, point };
      lastSignature = signature;
      continue;
    }
    if (signature === lastSignature) continue;
    lastSignature = signature;
    pending = { moment, point };
  }
  flush();
  return { observations, outcomes, actions: actions.filter((p) => inWindow(p.time)) };
}

/** The fields that say what changed: all but the trigger and the ones that grow with the clock. */
function signatureOf(point: Point): string {
  const { trigger: _t, pr_age_hours: _a, last_push_hours: _l, ...rest } = point.fields;
  return JSON.stringify(rest);
}

/** One outcome per close or merge (a merge's own ClosedEvent is part of it). */
function closeOutcomes(history: PullRequestHistory): Point[] {
  const points: Point[] = [];
  const merges = new Set<number>();
  for (const item of history.timeline) if (item.__typename === "MergedEvent") merges.add(Date.parse(item.createdAt));
  for (const item of history.timeline) {
    if (item.__typename !== "MergedEvent" && item.__typename !== "ClosedEvent") continue;
    const at = new Date(item.createdAt);
    if (item.__typename === "ClosedEvent" && merges.has(at.getTime())) continue;
    const merged = item.__typename === "MergedEvent";
    const autoMerge = merged && snapshotAt(history, at).snapshot.autoMergeRequest !== null;
    points.push(
      closeOutcome(
        {
          repo: history.repo,
          number: history.number,
          createdAt: new Date(history.createdAt),
          closedAt: at,
          mergedAt: merged ? at : null,
          mergedBy: merged ? actorLogin(item.actor) : undefined,
          closedBy: merged ? undefined : actorLogin(item.actor),
          autoMerge,
        },
        { source: "backfill" },
      ),
    );
  }
  return points;
}

/** The orchestrators' actions in the timeline, as the live inference would have recorded them. */
function inferActions(history: PullRequestHistory, options: HistoryPointsOptions): Point[] {
  const points: Point[] = [];
  const merges = new Set<number>();
  for (const item of history.timeline) if (item.__typename === "MergedEvent") merges.add(Date.parse(item.createdAt));
  const isOrchestrator = (login: string) => options.orchestrators.has(login.toLowerCase());
  const add = (actor: string, action: string, reason: string | undefined, time: string, discriminator: string) => {
    if (!isOrchestrator(actor)) return;
    points.push(actionPoint({ repo: history.repo, pr: history.number, action, reason, actor, time: inferredTime(time, discriminator) }, "backfill", new Date(time)));
  };
  let head: string | undefined;
  for (const item of history.timeline) {
    switch (item.__typename) {
      case "PullRequestCommit": {
        const c = item.commit;
        const before = head;
        head = c.oid;
        // An orchestrator's "Update branch": a merge of the base into the previous head (the live
        // inference's isBaseMerge; the base tip is not in the timeline, the merge's title tells it).
        if (!before || !c.author || !c.parents || c.message === undefined) break;
        const baseRef = snapshotAt(history, new Date(c.committedDate)).snapshot.baseRefName;
        if (!isBaseMerge({ message: c.message, parents: c.parents.map((sha) => ({ sha })) }, before, { sha: "", ref: baseRef })) break;
        add(actorLogin(c.author), "update_branch", `merged ${baseRef} into ${history.headRefName}`, c.committedDate, `update_branch:${c.oid}`);
        break;
      }
      case "HeadRefForcePushedEvent":
        head = item.afterCommit?.oid ?? head;
        break;
      case "IssueComment":
        if (item.databaseId === null) break;
        if (!isOrchestrator(actorLogin(item.author))) break;
        add(actorLogin(item.author), classifyComment(item.body, options.actionPatterns, options.log), clipText(item.body), item.createdAt, `comment:${item.databaseId}`);
        break;
      case "AutoMergeEnabledEvent":
        // The timeline does not keep the merge method the webhook names ("auto-merge (squash)").
        add(actorLogin(item.actor), "enable_auto_merge", "auto-merge", item.createdAt, "enable_auto_merge");
        break;
      case "ReviewRequestedEvent": {
        const r = item.requestedReviewer;
        if (!r) break;
        const who = r.__typename === "Team" ? `team ${(r as { slug: string }).slug}` : actorLogin(r as Parameters<typeof actorLogin>[0]);
        add(actorLogin(item.actor), "request_review", `review requested from ${who}`, item.createdAt, `request_review:${who}`);
        break;
      }
      case "LabeledEvent":
        add(actorLogin(item.actor), "label", `label ${item.label.name}`, item.createdAt, `label:${item.label.name}`);
        break;
      case "MergedEvent":
        // A merge done by auto-merge is not an action at merge time: enabling it was.
        if (snapshotAt(history, new Date(item.createdAt)).snapshot.autoMergeRequest !== null) break;
        add(actorLogin(item.actor), "merge", "merged", item.createdAt, "merge");
        break;
      case "ClosedEvent":
        if (merges.has(Date.parse(item.createdAt))) break;
        add(actorLogin(item.actor), "close", "closed without merging", item.createdAt, "close");
        break;
      default:
        break;
    }
  }
  return points;
}

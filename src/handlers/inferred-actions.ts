import type { Context, Probot } from "probot";
import { actionPoint } from "../actions/action-point.js";
import { classifyComment } from "../actions/classify-comment.js";
import { inferredTime } from "../actions/inferred-time.js";
import { isBaseMerge } from "../actions/is-base-merge.js";
import { RecentPoints } from "../actions/recent-points.js";
import { clipText } from "../actions/record-input.js";
import { writePoints } from "../actions/write-points.js";
import type { DeliveryLog } from "../pipeline/delivery-log.js";
import type { RepoConfig } from "../repo-config/repo-config.js";
import type { Runtime } from "../runtime.js";
import type { Point } from "../store/point.js";
import { recentJournalPoints } from "../outcomes/recent-outcomes.js";
import { REDELIVERY_DAYS } from "./closed.js";
import { contextGitHub, holdWhileWaiting, type HeldGitHub, type ResumeHeld } from "./hold-while-waiting.js";

type InferredContext = Context<
  | "issue_comment.created"
  | "pull_request.auto_merge_enabled"
  | "pull_request.review_requested"
  | "pull_request.synchronize"
  | "pull_request.closed"
  | "pull_request.labeled"
>;

/**
 * What one event says an orchestrator may have done, before the repository's settings are known
 * (they name more orchestrators and the comment patterns) or the pushed commit is read. JSON-safe:
 * it is what the delivery log holds while those are read from GitHub.
 */
interface ActionClue {
  /** owner/name */
  repo: string;
  pr: number;
  sender: string;
  deliveryId: string;
  /** The action, unless it depends on the settings (a comment) */
  action: string;
  reason?: string | undefined;
  /** GitHub's time of the event (ISO), so a redelivery writes the same point. */
  time: string;
  /** Tells apart actions of one PR in one second (see inferredTime). */
  discriminator: string;
  /** A comment's body, classified by the repository's `action_patterns`. */
  comment?: string | undefined;
  /** A push: an action only if the pushed commit merges the base into the head (read from GitHub). */
  push?: { before: string; after: string; base: { sha: string; ref: string } } | undefined;
}

/**
 * Turns what an orchestrator does on GitHub into `action_taken` points (source "inferred",
 * actor = the sender): a comment on a PR (classified by `action_patterns`), enabling
 * auto-merge, requesting a review, merging the base into the head, closing or merging, and
 * labelling. Orchestrators are the logins in ORCHESTRATOR_LOGINS and the repository's
 * `orchestrators:`; every other sender is ignored. Needs the `issue_comment` event.
 *
 * When deciding needs GitHub (the repository's settings are not cached, or an orchestrator's push
 * needs its commit read), what the event says is held in the delivery log before that wait, as
 * the outcome is (see closed.ts for why it is held rather than written and withdrawn): a crash
 * while GitHub is slow loses no action. Returns how a held action is resumed at the next start.
 */
export function registerInferredActions(
  app: Pick<Probot, "on">,
  runtime: Runtime,
  deliveries: Pick<DeliveryLog, "hold" | "done">,
  /** The journal's recent points (read once for several handlers); read here when not given. */
  journalRecent: Promise<Point[]> = recentJournalPoints(runtime.config.journalDir, REDELIVERY_DAYS, ["action_taken"]),
): ResumeHeld {
  const recent = new RecentPoints();
  const envLogins = new Set(runtime.config.orchestratorLogins.map((l) => l.toLowerCase()));
  // An action written just before a crash (its held record not yet marked done), or redelivered
  // after a restart, must not add a journal line: remember the journal's recent actions.
  const seeded = journalRecent
    .then((points) => void recent.claim(points.filter((p) => p.measurement === "action_taken")))
    .catch((err: Error) => runtime.log.warn({ err: err.message }, "could not read recent actions from the journal; a redelivered action may add a duplicate line"));

  /** Writes the action the clue stands for, if the settings and the commit say there is one. */
  const produce = async (clue: ActionClue, github: HeldGitHub, settings?: RepoConfig): Promise<void> => {
    settings ??= runtime.repoConfigs.cached(clue.repo) ?? (await runtime.repoConfigs.get(clue.repo, github.readConfig, github.log));
    const point = await actionOf(clue, settings, envLogins, github);
    if (!point) return;
    await seeded;
    const written = await writePoints(runtime, [point], recent);
    if (written.length > 0) {
      github.log.info({ repo: clue.repo, pr: clue.pr, action: point.fields.action, actor: clue.sender }, "recorded an inferred orchestrator action");
    }
  };

  app.on(
    [
      "issue_comment.created",
      "pull_request.auto_merge_enabled",
      "pull_request.review_requested",
      "pull_request.synchronize",
      "pull_request.closed",
      "pull_request.labeled",
    ],
    async (context: InferredContext) => {
      const payload = context.payload;
      // Comments on plain issues are not PR actions; skip them before any config read.
      if ("issue" in payload && !payload.issue.pull_request) return;
      const clue = clueOf(context);
      if (!clue) return;
      const github = contextGitHub(context);
      // Cached settings without a promise: most deliveries stop at the orchestrator check, with nothing to wait for.
      const cached = runtime.repoConfigs.cached(clue.repo);
      if (cached && (!clue.push || !cached.enabled || !isOrchestrator(clue.sender, envLogins, cached))) return produce(clue, github, cached);
      const { owner, repo } = context.repo();
      const held = { id: `${context.id}:action`, kind: "action" as const, installationId: payload.installation?.id, owner, repo, input: JSON.stringify(clue) };
      await holdWhileWaiting(deliveries, held, () => produce(clue, github, cached));
    },
  );

  return (record, github) => produce(JSON.parse(record.input) as ActionClue, github);
}

function isOrchestrator(login: string, envLogins: Set<string>, settings: RepoConfig): boolean {
  const l = login.toLowerCase();
  return envLogins.has(l) || settings.orchestrators.some((o) => o.toLowerCase() === l);
}

/** The action point of a clue under the repository's settings, if its sender is an orchestrator. */
async function actionOf(clue: ActionClue, settings: RepoConfig, envLogins: Set<string>, github: HeldGitHub): Promise<Point | undefined> {
  if (!settings.enabled || !isOrchestrator(clue.sender, envLogins, settings)) return undefined;
  let { action, reason } = clue;
  if (clue.comment !== undefined) {
    action = classifyComment(clue.comment, settings.action_patterns, github.log);
    reason = clipText(clue.comment);
  }
  if (clue.push) {
    // One REST call, only for an orchestrator's push: the payload does not say what the push was.
    let commit;
    try {
      commit = await github.getCommit(clue.push.after);
    } catch (err) {
      // Failing the delivery would not bring the answer back (GitHub does not retry); say what was skipped.
      github.log.warn(
        { repo: clue.repo, pr: clue.pr, sha: clue.push.after, status: (err as { status?: number }).status, err: (err as Error).message },
        "could not read the pushed commit, so no update_branch action is recorded for this push; check the app's contents: read permission",
      );
      return undefined;
    }
    if (!isBaseMerge(commit, clue.push.before, clue.push.base)) return undefined;
  }
  return actionPoint(
    { repo: clue.repo, pr: clue.pr, action, reason, actor: clue.sender, time: inferredTime(clue.time, clue.discriminator) },
    "inferred",
    new Date(),
    { deliveryId: clue.deliveryId },
  );
}

/** What the event says, from the payload alone (no GitHub); undefined when it is no action at all. */
function clueOf(context: InferredContext): ActionClue | undefined {
  const payload = context.payload;
  const base = { repo: payload.repository.full_name, sender: payload.sender.login, deliveryId: context.id };
  const what = eventClue(payload);
  if (!what) return undefined;
  if (!Number.isInteger(what.pr) || Number.isNaN(Date.parse(what.time))) {
    // Unreachable for a webhook (payload-shapes.ts checks both before any family runs); if it
    // ever happens it is our bug, and the delivery fails (500) so that it can be redelivered.
    throw new TypeError(`${context.name}.${payload.action} payload lacks the pull request number or the event's time`);
  }
  return { ...base, ...what };
}

function eventClue(payload: InferredContext["payload"]): Omit<ActionClue, "repo" | "sender" | "deliveryId"> | undefined {
  if ("comment" in payload) {
    return {
      pr: payload.issue.number,
      action: "comment",
      time: payload.comment.created_at,
      discriminator: `comment:${payload.comment.id}`,
      comment: payload.comment.body,
    };
  }
  const pr = payload.pull_request;
  switch (payload.action) {
    case "auto_merge_enabled":
      return {
        pr: pr.number,
        action: "enable_auto_merge",
        reason: pr.auto_merge?.merge_method ? `auto-merge (${pr.auto_merge.merge_method})` : "auto-merge",
        time: pr.updated_at,
        discriminator: "enable_auto_merge",
      };
    case "review_requested": {
      const who = "requested_reviewer" in payload ? payload.requested_reviewer?.login : `team ${payload.requested_team.slug}`;
      return { pr: pr.number, action: "request_review", reason: `review requested from ${who}`, time: pr.updated_at, discriminator: `request_review:${who}` };
    }
    case "labeled":
      return {
        pr: pr.number,
        action: "label",
        reason: payload.label ? `label ${payload.label.name}` : undefined,
        time: pr.updated_at,
        discriminator: `label:${payload.label?.name ?? ""}`,
      };
    case "closed": {
      if (pr.merged_at) {
        // A merge done by auto-merge is not an action at merge time: enabling it was.
        if (pr.auto_merge) return undefined;
        return { pr: pr.number, action: "merge", reason: "merged", time: pr.merged_at, discriminator: "merge" };
      }
      return { pr: pr.number, action: "close", reason: "closed without merging", time: pr.closed_at ?? pr.updated_at, discriminator: "close" };
    }
    case "synchronize":
      return {
        pr: pr.number,
        action: "update_branch",
        reason: `merged ${pr.base.ref} into ${pr.head.ref}`,
        time: pr.updated_at,
        discriminator: `update_branch:${payload.after}`,
        push: { before: payload.before, after: payload.after, base: { sha: pr.base.sha, ref: pr.base.ref } },
      };
  }
}

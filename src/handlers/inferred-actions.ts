import type { Context, Probot } from "probot";
import { actionPoint } from "../actions/action-point.js";
import { classifyComment } from "../actions/classify-comment.js";
import { inferredTime } from "../actions/inferred-time.js";
import { isBaseMerge } from "../actions/is-base-merge.js";
import { RecentPoints } from "../actions/recent-points.js";
import { clipText } from "../actions/record-input.js";
import { writePoints } from "../actions/write-points.js";
import { REPO_CONFIG_FILE, type RepoConfig } from "../repo-config/repo-config.js";
import type { Runtime } from "../runtime.js";

type InferredContext = Context<
  | "issue_comment.created"
  | "pull_request.auto_merge_enabled"
  | "pull_request.review_requested"
  | "pull_request.synchronize"
  | "pull_request.closed"
  | "pull_request.labeled"
>;

/** What one event says the orchestrator did. */
interface Inferred {
  pr: number;
  action: string;
  reason?: string | undefined;
  /** GitHub's time of the event (ISO), so a redelivery writes the same point. */
  time: string;
  /** Tells apart actions of one PR in one second (see inferredTime). */
  discriminator: string;
}

/**
 * Turns what an orchestrator does on GitHub into `action_taken` points (source "inferred",
 * actor = the sender): a comment on a PR (classified by `action_patterns`), enabling
 * auto-merge, requesting a review, merging the base into the head, closing or merging, and
 * labelling. Orchestrators are the logins in ORCHESTRATOR_LOGINS and the repository's
 * `orchestrators:`; every other sender is ignored. Needs the `issue_comment` event.
 */
export function registerInferredActions(app: Pick<Probot, "on">, runtime: Runtime): void {
  const recent = new RecentPoints();
  const envLogins = new Set(runtime.config.orchestratorLogins.map((l) => l.toLowerCase()));

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
      const repo = payload.repository.full_name;
      // Cached settings without a promise: most deliveries stop at the orchestrator check below.
      const settings = runtime.repoConfigs.cached(repo) ?? (await runtime.repoConfigs.get(repo, () => context.config(REPO_CONFIG_FILE), context.log));
      if (!settings.enabled) return;
      const sender = payload.sender.login;
      if (!isOrchestrator(sender, envLogins, settings)) return;

      const inferred = await infer(context, settings);
      if (!inferred) return;
      if (!Number.isInteger(inferred.pr) || Number.isNaN(Date.parse(inferred.time))) {
        // A malformed payload (see handlers/event-hooks.ts): it lacks the PR or the event's time.
        throw new TypeError(`${context.name}.${payload.action} payload lacks the pull request number or the event's time`);
      }
      const point = actionPoint(
        { repo, pr: inferred.pr, action: inferred.action, reason: inferred.reason, actor: sender, time: inferredTime(inferred.time, inferred.discriminator) },
        "inferred",
        new Date(),
        { deliveryId: context.id },
      );
      const written = await writePoints(runtime, [point], recent);
      if (written.length > 0) {
        context.log.info({ repo, pr: inferred.pr, action: inferred.action, actor: sender }, "recorded an inferred orchestrator action");
      }
    },
  );
}

function isOrchestrator(login: string, envLogins: Set<string>, settings: RepoConfig): boolean {
  const l = login.toLowerCase();
  return envLogins.has(l) || settings.orchestrators.some((o) => o.toLowerCase() === l);
}

async function infer(context: InferredContext, settings: RepoConfig): Promise<Inferred | undefined> {
  const payload = context.payload;
  if ("comment" in payload) {
    return {
      pr: payload.issue.number,
      action: classifyComment(payload.comment.body, settings.action_patterns, context.log),
      reason: clipText(payload.comment.body),
      time: payload.comment.created_at,
      discriminator: `comment:${payload.comment.id}`,
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
    case "synchronize": {
      // One REST call, only for an orchestrator's push: the payload does not say what the push was.
      let commit;
      try {
        ({ data: commit } = await context.octokit.rest.git.getCommit(context.repo({ commit_sha: payload.after })));
      } catch (err) {
        // Failing the delivery would not bring the answer back (GitHub does not retry); say what was skipped.
        context.log.warn(
          { repo: payload.repository.full_name, pr: pr.number, sha: payload.after, status: (err as { status?: number }).status, err: (err as Error).message },
          "could not read the pushed commit, so no update_branch action is recorded for this push; check the app's contents: read permission",
        );
        return undefined;
      }
      if (!isBaseMerge(commit, payload.before, pr.base)) return undefined;
      return {
        pr: pr.number,
        action: "update_branch",
        reason: `merged ${pr.base.ref} into ${pr.head.ref}`,
        time: pr.updated_at,
        discriminator: `update_branch:${payload.after}`,
      };
    }
  }
}

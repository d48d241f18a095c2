import { z } from "zod";
import { commitSha, databaseId, isoTime, login, prNumber, repositoryFullName, repositoryName } from "./payload-fields.js";

// What each handler family reads from a webhook payload, by event name. Only the fields a family
// uses are checked; objects are loose (GitHub adds fields over time), so a real payload always
// passes (test/handlers/payload-shapes.test.ts runs every @octokit/webhooks-examples payload of
// the events app.yml subscribes to through the app).

/** Shapes of one handler family, by webhook event name. */
export type PayloadShapes = Readonly<Partial<Record<string, z.ZodType>>>;

const account = z.looseObject({ login });

/** Observations take the `repo` tag from owner.login and name, outcomes and actions from full_name. */
const repository = z.looseObject({ id: databaseId, name: repositoryName, owner: account, full_name: repositoryFullName });

const delivery = {
  action: z.string().optional(),
  repository,
  installation: z.looseObject({ id: databaseId }).optional(),
};

const checkedPullRequest = z.looseObject({ number: prNumber, base: z.looseObject({ repo: z.looseObject({ id: databaseId }) }).optional() });
const check = z.looseObject({ head_sha: commitSha, pull_requests: z.array(checkedPullRequest) });
const withPullRequest = z.looseObject({ ...delivery, pull_request: z.looseObject({ number: prNumber }) });

/** pull_request.*, reviews, review threads, checks and statuses → an observation (handlers/observe-event.ts). */
export const observationShapes: PayloadShapes = {
  pull_request: withPullRequest,
  pull_request_review: withPullRequest,
  pull_request_review_thread: withPullRequest,
  check_suite: z.looseObject({ ...delivery, check_suite: check }),
  check_run: z.looseObject({ ...delivery, check_run: check }),
  status: z.looseObject({ ...delivery, sha: commitSha }),
};

const closingPullRequest = {
  number: prNumber,
  created_at: isoTime,
  updated_at: isoTime,
  closed_at: isoTime.nullable(),
  merged_at: isoTime.nullable(),
  merged_by: account.nullish(),
  auto_merge: z.looseObject({ merge_method: z.string().nullish() }).nullish(),
};

/** pull_request.closed → an outcome (handlers/closed.ts). */
export const outcomeShapes: PayloadShapes = {
  pull_request: z.looseObject({ ...delivery, sender: account, pull_request: z.looseObject(closingPullRequest) }),
};

const actionDelivery = { ...delivery, sender: account };
const actingPullRequest = z.looseObject({ number: prNumber, updated_at: isoTime });
const branch = z.looseObject({ ref: z.string(), sha: commitSha });

/** issue_comment.created and pull_request.* of an orchestrator → an inferred action (handlers/inferred-actions.ts). */
export const inferredActionShapes: PayloadShapes = {
  issue_comment: z.looseObject({
    ...actionDelivery,
    issue: z.looseObject({ number: prNumber }),
    comment: z.looseObject({ id: databaseId, body: z.string(), created_at: isoTime }),
  }),
  pull_request: z.discriminatedUnion("action", [
    z.looseObject({
      ...actionDelivery,
      action: z.literal("auto_merge_enabled"),
      pull_request: actingPullRequest.extend({ auto_merge: closingPullRequest.auto_merge }),
    }),
    z.looseObject({ ...actionDelivery, action: z.literal("closed"), pull_request: z.looseObject(closingPullRequest) }),
    z.looseObject({ ...actionDelivery, action: z.literal("labeled"), pull_request: actingPullRequest, label: z.looseObject({ name: z.string() }).optional() }),
    z
      .looseObject({
        ...actionDelivery,
        action: z.literal("review_requested"),
        pull_request: actingPullRequest,
        requested_reviewer: account.nullish(),
        requested_team: z.looseObject({ slug: z.string() }).optional(),
      })
      .refine((p) => "requested_reviewer" in p || p.requested_team !== undefined, { error: "expected requested_reviewer or requested_team" }),
    z.looseObject({
      ...actionDelivery,
      action: z.literal("synchronize"),
      before: commitSha,
      after: commitSha,
      pull_request: actingPullRequest.extend({ base: branch, head: z.looseObject({ ref: z.string() }) }),
    }),
  ]),
};

import { z } from "zod";
import { commitSha, databaseId, isoTime, login, prNumber, repositoryFullName, repositoryName } from "./payload-fields.js";

// What each handler family reads from a webhook payload, by event name. Only the fields a family
// uses are checked; every other field is ignored (GitHub adds fields over time), so a real payload
// always passes (test/handlers/payload-shapes.test.ts runs every @octokit/webhooks-examples payload
// of the events app.yml subscribes to through the app). z.object rather than z.looseObject: the
// parsed copy is thrown away, and copying every unknown key of a 25 KB payload made the check about
// three times slower (pull_request.closed, three families: 144 µs against 45 µs, both measured on
// a heavily loaded 2-core machine; 18 µs when measured alone).

/** Shapes of one handler family, by webhook event name. */
export type PayloadShapes = Readonly<Partial<Record<string, z.ZodType>>>;

const account = z.object({ login });

/** Observations take the `repo` tag from owner.login and name, outcomes and actions from full_name. */
const repository = z.object({ id: databaseId, name: repositoryName, owner: account, full_name: repositoryFullName });

const delivery = {
  action: z.string().optional(),
  repository,
  installation: z.object({ id: databaseId }).optional(),
};

const checkedPullRequest = z.object({ number: prNumber, base: z.object({ repo: z.object({ id: databaseId }) }).optional() });
const check = z.object({ head_sha: commitSha, pull_requests: z.array(checkedPullRequest) });
const withPullRequest = z.object({ ...delivery, pull_request: z.object({ number: prNumber }) });

/** pull_request.*, reviews, review threads, checks and statuses → an observation (handlers/observe-event.ts). */
export const observationShapes: PayloadShapes = {
  pull_request: withPullRequest,
  pull_request_review: withPullRequest,
  pull_request_review_thread: withPullRequest,
  check_suite: z.object({ ...delivery, check_suite: check }),
  check_run: z.object({ ...delivery, check_run: check }),
  status: z.object({ ...delivery, sha: commitSha }),
};

const closingPullRequest = {
  number: prNumber,
  created_at: isoTime,
  updated_at: isoTime,
  closed_at: isoTime.nullable(),
  merged_at: isoTime.nullable(),
  merged_by: account.nullish(),
  auto_merge: z.object({ merge_method: z.string().nullish() }).nullish(),
};

/** pull_request.closed → an outcome (handlers/closed.ts). */
export const outcomeShapes: PayloadShapes = {
  pull_request: z.object({ ...delivery, sender: account, pull_request: z.object(closingPullRequest) }),
};

const actionDelivery = { ...delivery, sender: account };
const actingPullRequest = z.object({ number: prNumber, updated_at: isoTime });
const branch = z.object({ ref: z.string(), sha: commitSha });

/** issue_comment.created and pull_request.* of an orchestrator → an inferred action (handlers/inferred-actions.ts). */
export const inferredActionShapes: PayloadShapes = {
  issue_comment: z.object({
    ...actionDelivery,
    issue: z.object({ number: prNumber }),
    comment: z.object({ id: databaseId, body: z.string(), created_at: isoTime }),
  }),
  pull_request: z.discriminatedUnion("action", [
    z.object({
      ...actionDelivery,
      action: z.literal("auto_merge_enabled"),
      pull_request: actingPullRequest.extend({ auto_merge: closingPullRequest.auto_merge }),
    }),
    z.object({ ...actionDelivery, action: z.literal("closed"), pull_request: z.object(closingPullRequest) }),
    z.object({ ...actionDelivery, action: z.literal("labeled"), pull_request: actingPullRequest, label: z.object({ name: z.string() }).optional() }),
    z
      .looseObject({
        ...actionDelivery,
        action: z.literal("review_requested"),
        pull_request: actingPullRequest,
        requested_reviewer: account.nullish(),
        requested_team: z.object({ slug: z.string() }).optional(),
      })
      .refine((p) => "requested_reviewer" in p || p.requested_team !== undefined, { error: "expected requested_reviewer or requested_team" }),
    z.object({
      ...actionDelivery,
      action: z.literal("synchronize"),
      before: commitSha,
      after: commitSha,
      pull_request: actingPullRequest.extend({ base: branch, head: z.object({ ref: z.string() }) }),
    }),
  ]),
};

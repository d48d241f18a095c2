import { makePoint, type Point } from "../store/point.js";

/** What an outcome needs to know about a closed pull request (from a webhook or the sweep). */
export interface ClosedPullRequest {
  /** owner/name */
  repo: string;
  number: number;
  createdAt: Date;
  closedAt: Date;
  mergedAt: Date | null;
  mergedBy?: string | undefined;
  closedBy?: string | undefined;
  /** Whether auto-merge was enabled when the PR was merged. */
  autoMerge: boolean;
}

export interface CloseOutcomeOptions {
  /** "webhook" (pull_request.closed), "sweep" (a close the app missed, found later) or "backfill" (from the timeline). */
  source?: "webhook" | "sweep" | "backfill";
  deliveryId?: string | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * The `outcome` point of a close: success when merged, closed otherwise. Its time is GitHub's
 * merge (or close) time, so a redelivery, or the sweep finding the same close, writes the same
 * point identity and never a second outcome; a PR closed, reopened and merged has two.
 */
export function closeOutcome(pr: ClosedPullRequest, options: CloseOutcomeOptions = {}): Point {
  const endedAt = pr.mergedAt ?? pr.closedAt;
  const merged = pr.mergedAt !== null;
  let detail: string;
  if (merged) {
    if (pr.autoMerge) detail = "merged via auto-merge";
    else detail = pr.mergedBy ? `merged by ${pr.mergedBy}` : "merged";
  } else {
    detail = pr.closedBy ? `closed by ${pr.closedBy}` : "closed";
  }
  return makePoint(
    "outcome",
    endedAt,
    { repo: pr.repo, pr: String(pr.number) },
    {
      result: merged ? "success" : "closed",
      detail,
      // Hours as a float, never negative (clock skew between GitHub's fields is not a resolution).
      resolution_hours: Math.max(0, (endedAt.getTime() - pr.createdAt.getTime()) / HOUR_MS),
      source: options.source ?? "webhook",
      delivery_id: options.deliveryId,
    },
  );
}

/** The subset of a `pull_request.closed` payload the outcome reads (GitHub's field names). */
export interface ClosedPayload {
  pull_request: {
    number: number;
    created_at: string;
    closed_at: string | null;
    merged_at: string | null;
    merged?: boolean | null;
    merged_by?: { login: string } | null;
    auto_merge?: unknown;
  };
  repository: { full_name: string };
  sender: { login: string };
}

/** Reads a ClosedPullRequest from a `pull_request.closed` webhook payload. */
export function closedPullRequestFromPayload(payload: ClosedPayload): ClosedPullRequest {
  const pr = payload.pull_request;
  const mergedAt = pr.merged_at ? new Date(pr.merged_at) : null;
  // closed_at is always set on a closed PR; fall back to merged_at rather than inventing a time.
  const closedAt = new Date(pr.closed_at ?? pr.merged_at ?? pr.created_at);
  const createdAt = new Date(pr.created_at);
  if (Number.isNaN(createdAt.getTime()) || Number.isNaN(closedAt.getTime()) || !Number.isInteger(pr.number)) {
    // Unreachable for a webhook (payload-shapes.ts checks these first); from another caller, a
    // refusal rather than an outcome at an invented time.
    throw new TypeError("pull_request.closed payload lacks pull_request.number, created_at or closed_at");
  }
  return {
    repo: payload.repository.full_name,
    number: pr.number,
    createdAt,
    closedAt,
    mergedAt,
    mergedBy: mergedAt ? (pr.merged_by?.login ?? payload.sender.login) : undefined,
    closedBy: mergedAt ? undefined : payload.sender.login,
    autoMerge: mergedAt !== null && pr.auto_merge != null,
  };
}

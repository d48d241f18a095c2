import type { FakePullRequest, GitHubModel } from "./model.js";

/**
 * The `pr_observation` fields the model's truth implies for a PR, per issue 2 (the oracle the
 * end-to-end tests compare the app's newest observation with). Time-derived fields
 * (pr_age_hours...) and bookkeeping (trigger, delivery_id) are left out: they depend on when the
 * app observed, not on the PR. Mergeability is the computed value; `mergeable` is absent while
 * GitHub reports UNKNOWN, as the issue asks.
 */
export function expectedSignals(model: GitHubModel, pr: FakePullRequest): { tags: Record<string, string>; fields: Record<string, string | number | boolean> } {
  const m = model.computedMergeability(pr);
  const verdicts = model.contextVerdicts(pr);
  const latest = model.latestOpinionatedReviews(pr);
  const fields: Record<string, string | number | boolean> = {
    merge_state: m.mergeStateStatus,
    is_draft: pr.isDraft,
    auto_merge_enabled: pr.autoMerge !== null,
    checks_total: verdicts.length,
    checks_passing: verdicts.filter((v) => v.verdict === "passing").length,
    checks_failing: verdicts.filter((v) => v.verdict === "failing").length,
    checks_pending: verdicts.filter((v) => v.verdict === "pending").length,
    reviews_approved: latest.filter((r) => r.state === "APPROVED").length,
    reviews_changes_requested: latest.filter((r) => r.state === "CHANGES_REQUESTED").length,
    threads_total: pr.threads.length,
    threads_unresolved: pr.threads.filter((t) => !t.isResolved).length,
    review_requests: pr.requestedReviewers.length,
    head_sha: model.headSha(pr),
    base_ref: pr.baseRef,
    head_ref: pr.headRef,
    state: pr.state,
    commits: pr.commits.length,
    additions: pr.additions,
    deletions: pr.deletions,
    changed_files: pr.changedFiles,
  };
  if (m.mergeable !== "UNKNOWN") fields["mergeable"] = m.mergeable === "MERGEABLE";
  const decision = model.reviewDecision(pr);
  if (decision !== null) fields["review_decision"] = decision;
  return {
    tags: { repo: pr.repo.fullName, pr: String(pr.number), author: pr.author.login },
    fields,
  };
}

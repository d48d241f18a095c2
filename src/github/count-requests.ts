import type { ProbotOctokit } from "probot";

/**
 * Calls `onRequest` once for every request sent through `octokit` until the returned function is
 * called. The hook wraps Probot's retry and throttling plugins, so a retried call counts once:
 * what is counted is what the caller asked, as GitHub's budget is spent per call asked.
 */
export function countRequests(octokit: Pick<ProbotOctokit, "hook">, onRequest: () => void): () => void {
  const count = () => onRequest();
  octokit.hook.before("request", count);
  return () => octokit.hook.remove("request", count);
}

import { createRequire } from "node:module";
import { githubTime } from "./graphql-views.js";
import type { FakeInstallation, FakePullRequest, FakeRepo, FakeUser, GitHubModel } from "./model.js";

/**
 * REST (and webhook) objects built from the model, in GitHub's REST shapes. The repository object
 * starts from the one in @octokit/webhooks-examples so it carries every key the real one has;
 * users and pull requests are spelled out (their keys are pinned against the examples in a test).
 */

const API = "https://api.github.com";

interface WebhookExample {
  name: string;
  examples: Array<Record<string, unknown> & { action?: string }>;
}

let examples: WebhookExample[] | undefined;

/** The webhook examples of @octokit/webhooks-examples (array of {name, examples[]}). */
export function webhookExamples(): WebhookExample[] {
  examples ??= createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json") as WebhookExample[];
  return examples;
}

/** A deep copy of the first example of `event` (with `action`, when given). */
export function exampleOf(event: string, action?: string): Record<string, any> {
  const family = webhookExamples().find((e) => e.name === event);
  const found = family?.examples.find((e) => action === undefined || e.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ""} example`);
  return structuredClone(found) as Record<string, any>;
}

function b64(s: string): string {
  return Buffer.from(s).toString("base64");
}

export function restUser(u: FakeUser): Record<string, unknown> {
  const login = u.login;
  return {
    login,
    id: u.id,
    node_id: b64(`04:${u.type}${u.id}`),
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: "",
    url: `${API}/users/${encodeURIComponent(login)}`,
    html_url: u.type === "Bot" ? `https://github.com/apps/${login.replace(/\[bot\]$/, "")}` : `https://github.com/${login}`,
    followers_url: `${API}/users/${encodeURIComponent(login)}/followers`,
    following_url: `${API}/users/${encodeURIComponent(login)}/following{/other_user}`,
    gists_url: `${API}/users/${encodeURIComponent(login)}/gists{/gist_id}`,
    starred_url: `${API}/users/${encodeURIComponent(login)}/starred{/owner}{/repo}`,
    subscriptions_url: `${API}/users/${encodeURIComponent(login)}/subscriptions`,
    organizations_url: `${API}/users/${encodeURIComponent(login)}/orgs`,
    repos_url: `${API}/users/${encodeURIComponent(login)}/repos`,
    events_url: `${API}/users/${encodeURIComponent(login)}/events{/privacy}`,
    received_events_url: `${API}/users/${encodeURIComponent(login)}/received_events`,
    type: u.type,
    site_admin: false,
  };
}

/** Replaces every occurrence of `from` in the strings of a JSON value. */
function rewriteStrings(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value.split(from).join(to);
  if (Array.isArray(value)) return value.map((v) => rewriteStrings(v, from, to));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteStrings(v, from, to)]));
  }
  return value;
}

export function restRepo(repo: FakeRepo): Record<string, unknown> {
  const template = exampleOf("pull_request", "opened")["repository"] as Record<string, unknown>;
  const rewritten = rewriteStrings(template, "Codertocat/Hello-World", repo.fullName) as Record<string, unknown>;
  return {
    ...rewritten,
    id: repo.id,
    node_id: b64(`010:Repository${repo.id}`),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    owner: restUser(repo.owner),
    description: null,
    fork: false,
    homepage: null,
    default_branch: repo.defaultBranch,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    pushed_at: "2024-01-01T00:00:00Z",
  };
}

function label(name: string): Record<string, unknown> {
  return { id: Math.abs(hash(name)), node_id: b64(`LA_${name}`), url: `${API}/labels/${encodeURIComponent(name)}`, name, color: "ededed", default: false, description: null };
}

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

/** REST's mergeable_state: the GraphQL mergeStateStatus in lower case ("unknown" while computing). */
function restMergeability(model: GitHubModel, pr: FakePullRequest): { mergeable: boolean | null; mergeable_state: string; rebaseable: boolean | null } {
  const m = model.computedMergeability(pr);
  if (pr.mergeabilityPendingReads > 0 || m.mergeable === "UNKNOWN") return { mergeable: null, mergeable_state: "unknown", rebaseable: null };
  return { mergeable: m.mergeable === "MERGEABLE", mergeable_state: m.mergeStateStatus.toLowerCase(), rebaseable: m.mergeable === "MERGEABLE" };
}

/**
 * A pull request as REST and webhooks spell it. `full` adds what GET /pulls/:n and
 * pull_request webhooks carry (merged, mergeable, counts); the list endpoint and review
 * webhooks carry the short form.
 */
export function restPull(model: GitHubModel, pr: FakePullRequest, full = true): Record<string, unknown> {
  const repo = pr.repo;
  const base = `${API}/repos/${repo.fullName}`;
  const html = `https://github.com/${repo.fullName}/pull/${pr.number}`;
  const head = model.headSha(pr);
  const ref = (name: string, sha: string, owner: FakeUser) => ({
    label: `${owner.login}:${name}`,
    ref: name,
    sha,
    user: restUser(owner),
    repo: restRepo(repo),
  });
  const short: Record<string, unknown> = {
    url: `${base}/pulls/${pr.number}`,
    id: pr.id,
    node_id: b64(`011:PullRequest${pr.id}`),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${base}/issues/${pr.number}`,
    number: pr.number,
    state: pr.state === "OPEN" ? "open" : "closed",
    locked: false,
    title: pr.title,
    user: restUser(pr.author),
    body: pr.body || null,
    created_at: githubTime(pr.createdAt),
    updated_at: githubTime(pr.updatedAt),
    closed_at: githubTime(pr.closedAt),
    merged_at: githubTime(pr.mergedAt),
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: pr.requestedReviewers.map(restUser),
    requested_teams: [],
    labels: pr.labels.map(label),
    milestone: null,
    draft: pr.isDraft,
    commits_url: `${base}/pulls/${pr.number}/commits`,
    review_comments_url: `${base}/pulls/${pr.number}/comments`,
    review_comment_url: `${base}/pulls/comments{/number}`,
    comments_url: `${base}/issues/${pr.number}/comments`,
    statuses_url: `${base}/statuses/${head}`,
    head: ref(pr.headRef, head, pr.fromFork ? pr.author : repo.owner),
    base: ref(pr.baseRef, pr.baseSha, repo.owner),
    _links: {
      self: { href: `${base}/pulls/${pr.number}` },
      html: { href: html },
      issue: { href: `${base}/issues/${pr.number}` },
      comments: { href: `${base}/issues/${pr.number}/comments` },
      review_comments: { href: `${base}/pulls/${pr.number}/comments` },
      review_comment: { href: `${base}/pulls/comments{/number}` },
      commits: { href: `${base}/pulls/${pr.number}/commits` },
      statuses: { href: `${base}/statuses/${head}` },
    },
    author_association: "CONTRIBUTOR",
    auto_merge: pr.autoMerge
      ? { enabled_by: restUser(pr.autoMerge.enabledBy), merge_method: pr.autoMerge.mergeMethod.toLowerCase(), commit_title: null, commit_message: null }
      : null,
    active_lock_reason: null,
  };
  if (!full) return short;
  return {
    ...short,
    merged: pr.state === "MERGED",
    ...restMergeability(model, pr),
    merged_by: pr.mergedBy ? restUser(pr.mergedBy) : null,
    comments: 0,
    review_comments: pr.threads.length,
    maintainer_can_modify: false,
    commits: pr.commits.length,
    additions: pr.additions,
    deletions: pr.deletions,
    changed_files: pr.changedFiles,
  };
}

export function restInstallation(inst: FakeInstallation, appId: number): Record<string, unknown> {
  return {
    id: inst.id,
    account: restUser(inst.account),
    repository_selection: "all",
    access_tokens_url: `${API}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${API}/installation/repositories`,
    html_url: `https://github.com/organizations/${inst.account.login}/settings/installations/${inst.id}`,
    app_id: appId,
    app_slug: "pr-telemetry",
    target_id: inst.account.id,
    target_type: inst.account.type,
    permissions: { checks: "read", contents: "read", metadata: "read", pull_requests: "read", statuses: "read" },
    events: ["check_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_thread", "status"],
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

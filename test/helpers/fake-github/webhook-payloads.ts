import { randomUUID } from "node:crypto";
import { exampleOf, restPull, restRepo, restUser } from "./rest-shapes.js";
import type { FakeCheckRun, FakePullRequest, FakeReview, FakeReviewThread, FakeStatus, FakeUser, GitHubModel } from "./model.js";
import { githubTime } from "./graphql-views.js";

/** One webhook delivery: the event name (X-GitHub-Event), its delivery id and payload. */
export interface WebhookDelivery {
  name: string;
  id: string;
  payload: Record<string, unknown>;
}

/**
 * Webhook payloads built from the model, shaped like the real ones: each starts from the matching
 * example in @octokit/webhooks-examples (so it has every key GitHub sends) and takes its values
 * from the model, with the `installation` GitHub adds for an App.
 */
export class WebhookPayloads {
  constructor(private readonly model: GitHubModel) {}

  #envelope(pr: FakePullRequest, sender: FakeUser): Record<string, unknown> {
    return {
      repository: restRepo(pr.repo),
      sender: restUser(sender),
      installation: { id: pr.repo.installationId, node_id: Buffer.from(`023:IntegrationInstallation${pr.repo.installationId}`).toString("base64") },
    };
  }

  #delivery(name: string, payload: Record<string, unknown>): WebhookDelivery {
    return { name, id: randomUUID(), payload };
  }

  /** `pull_request.<action>` (opened, synchronize, ready_for_review, closed, auto_merge_enabled, labeled...). */
  pullRequest(pr: FakePullRequest, action: string, options: { sender?: FakeUser; label?: string; requestedReviewer?: FakeUser } = {}): WebhookDelivery {
    const template = exampleOf("pull_request", action === "opened" || exampleHas("pull_request", action) ? action : "opened");
    const payload: Record<string, unknown> = {
      ...template,
      action,
      number: pr.number,
      pull_request: restPull(this.model, pr, true),
      ...this.#envelope(pr, options.sender ?? pr.author),
    };
    delete payload["organization"];
    delete payload["enterprise"];
    if (action === "synchronize") {
      payload["before"] = pr.commits.at(-2)?.oid ?? pr.baseSha;
      payload["after"] = this.model.headSha(pr);
    } else {
      delete payload["before"];
      delete payload["after"];
    }
    if (action === "labeled" || action === "unlabeled") {
      const name = options.label ?? pr.labels.at(-1) ?? "label";
      payload["label"] = { id: 1, node_id: "LA_1", url: `https://api.github.com/repos/${pr.repo.fullName}/labels/${encodeURIComponent(name)}`, name, color: "ededed", default: false, description: null };
    } else {
      delete payload["label"];
    }
    if (action === "review_requested" || action === "review_request_removed") {
      payload["requested_reviewer"] = restUser(options.requestedReviewer ?? pr.requestedReviewers.at(-1) ?? pr.author);
    } else {
      delete payload["requested_reviewer"];
    }
    return this.#delivery("pull_request", payload);
  }

  /** `issue_comment.created` for a comment on the PR's conversation (model.addComment). */
  issueComment(pr: FakePullRequest, comment: { id: number; author: FakeUser; body: string; createdAt: Date }): WebhookDelivery {
    const template = exampleOf("issue_comment", "created");
    const issue = template["issue"] as Record<string, unknown>;
    const payload: Record<string, unknown> = {
      ...template,
      action: "created",
      issue: {
        ...issue,
        number: pr.number,
        title: pr.title,
        user: restUser(pr.author),
        state: pr.state === "OPEN" ? "open" : "closed",
        pull_request: { url: `${"https://api.github.com"}/repos/${pr.repo.fullName}/pulls/${pr.number}`, html_url: `https://github.com/${pr.repo.fullName}/pull/${pr.number}`, diff_url: null, patch_url: null, merged_at: githubTime(pr.mergedAt) },
      },
      comment: {
        ...(template["comment"] as Record<string, unknown>),
        id: comment.id,
        body: comment.body,
        user: restUser(comment.author),
        created_at: githubTime(comment.createdAt),
        updated_at: githubTime(comment.createdAt),
      },
      ...this.#envelope(pr, comment.author),
    };
    delete payload["organization"];
    delete payload["enterprise"];
    return this.#delivery("issue_comment", payload);
  }

  /** `pull_request_review.submitted` (or edited/dismissed) for a review in the model. */
  pullRequestReview(pr: FakePullRequest, review: FakeReview, action = "submitted"): WebhookDelivery {
    const template = exampleOf("pull_request_review", action === "dismissed" ? "dismissed" : "submitted");
    const html = `https://github.com/${pr.repo.fullName}/pull/${pr.number}#pullrequestreview-${review.id}`;
    const prUrl = `https://api.github.com/repos/${pr.repo.fullName}/pulls/${pr.number}`;
    const payload: Record<string, unknown> = {
      ...template,
      action,
      review: {
        ...(template["review"] as Record<string, unknown>),
        id: review.id,
        node_id: Buffer.from(`017:PullRequestReview${review.id}`).toString("base64"),
        user: restUser(review.author),
        body: review.body || null,
        commit_id: review.commitOid,
        submitted_at: githubTime(review.submittedAt),
        state: review.state.toLowerCase(),
        html_url: html,
        pull_request_url: prUrl,
        author_association: "MEMBER",
        _links: { html: { href: html }, pull_request: { href: prUrl } },
      },
      pull_request: restPull(this.model, pr, false),
      ...this.#envelope(pr, review.author),
    };
    delete payload["organization"];
    return this.#delivery("pull_request_review", payload);
  }

  /** `pull_request_review_thread.resolved` / `.unresolved`. */
  reviewThread(pr: FakePullRequest, thread: FakeReviewThread, action: "resolved" | "unresolved", sender: FakeUser = thread.resolvedBy ?? pr.author): WebhookDelivery {
    const template = exampleOf("pull_request_review_thread", action);
    const comments = (template["thread"] as { comments: Array<Record<string, unknown>> }).comments.slice(0, 1).map((c) => ({
      ...c,
      id: thread.id,
      node_id: `PRRC_${thread.id}`,
      path: thread.path,
      commit_id: thread.commitOid,
      original_commit_id: thread.commitOid,
      user: restUser(thread.author),
      body: thread.body,
      created_at: githubTime(thread.createdAt),
      updated_at: githubTime(thread.createdAt),
      html_url: `https://github.com/${pr.repo.fullName}/pull/${pr.number}#discussion_r${thread.id}`,
      pull_request_url: `https://api.github.com/repos/${pr.repo.fullName}/pulls/${pr.number}`,
      url: `https://api.github.com/repos/${pr.repo.fullName}/pulls/comments/${thread.id}`,
    }));
    const payload: Record<string, unknown> = {
      ...template,
      action,
      thread: { node_id: `PRRT_${thread.id}`, comments },
      pull_request: restPull(this.model, pr, false),
      ...this.#envelope(pr, sender),
    };
    delete payload["organization"];
    return this.#delivery("pull_request_review_thread", payload);
  }

  /** The minimal PR reference check payloads carry (empty for PRs from forks). */
  #prRefs(run: { headSha: string }, pr: FakePullRequest): unknown[] {
    if (pr.fromFork) return [];
    const repoRef = { id: pr.repo.id, url: `https://api.github.com/repos/${pr.repo.fullName}`, name: pr.repo.name };
    return [
      {
        url: `https://api.github.com/repos/${pr.repo.fullName}/pulls/${pr.number}`,
        id: pr.id,
        number: pr.number,
        head: { ref: pr.headRef, sha: run.headSha, repo: repoRef },
        base: { ref: pr.baseRef, sha: pr.baseSha, repo: repoRef },
      },
    ];
  }

  /** `check_run.<action>` (created, completed, rerequested) for a run in the model. */
  checkRun(pr: FakePullRequest, run: FakeCheckRun, action = run.status === "COMPLETED" ? "completed" : "created"): WebhookDelivery {
    const template = exampleOf("check_run", action);
    const t = template["check_run"] as Record<string, any>;
    const prs = this.#prRefs(run, pr);
    const api = `https://api.github.com/repos/${pr.repo.fullName}`;
    const payload: Record<string, unknown> = {
      ...template,
      action,
      check_run: {
        ...t,
        id: run.id,
        node_id: `CR_${run.id}`,
        head_sha: run.headSha,
        external_id: "",
        url: `${api}/check-runs/${run.id}`,
        html_url: `https://github.com/${pr.repo.fullName}/runs/${run.id}`,
        details_url: `https://github.com/${pr.repo.fullName}/actions/runs/${run.id}`,
        status: run.status.toLowerCase(),
        conclusion: run.conclusion?.toLowerCase() ?? null,
        started_at: githubTime(run.startedAt),
        completed_at: githubTime(run.completedAt),
        name: run.name,
        check_suite: { ...t["check_suite"], ...this.#suiteFields(pr, run, prs) },
        pull_requests: prs,
      },
      ...this.#envelope(pr, this.model.user(`${run.appSlug}[bot]`)),
    };
    delete payload["organization"];
    delete payload["requested_action"];
    return this.#delivery("check_run", payload);
  }

  /** The fields of a run's check suite, the same in check_run and check_suite payloads. */
  #suiteFields(pr: FakePullRequest, run: FakeCheckRun, prs: unknown[]): Record<string, unknown> {
    return {
      id: run.suiteId,
      node_id: `CS_${run.suiteId}`,
      head_branch: pr.headRef,
      head_sha: run.headSha,
      status: run.status.toLowerCase(),
      conclusion: run.conclusion?.toLowerCase() ?? null,
      url: `https://api.github.com/repos/${pr.repo.fullName}/check-suites/${run.suiteId}`,
      before: pr.commits.at(-2)?.oid ?? pr.baseSha,
      after: run.headSha,
      pull_requests: prs,
    };
  }

  /** `check_suite.completed` for the suite of a run in the model. */
  checkSuite(pr: FakePullRequest, run: FakeCheckRun, action = "completed"): WebhookDelivery {
    const template = exampleOf("check_suite", action);
    const t = template["check_suite"] as Record<string, any>;
    const api = `https://api.github.com/repos/${pr.repo.fullName}`;
    const payload: Record<string, unknown> = {
      ...template,
      action,
      check_suite: {
        ...t,
        ...this.#suiteFields(pr, run, this.#prRefs(run, pr)),
        latest_check_runs_count: 1,
        check_runs_url: `${api}/check-suites/${run.suiteId}/check-runs`,
        head_commit: { ...t["head_commit"], id: run.headSha },
      },
      ...this.#envelope(pr, this.model.user(`${run.appSlug}[bot]`)),
    };
    delete payload["organization"];
    return this.#delivery("check_suite", payload);
  }

  /** `status` for a commit status in the model (status payloads never name a PR). */
  status(pr: FakePullRequest, status: FakeStatus): WebhookDelivery {
    const template = exampleOf("status");
    const payload: Record<string, unknown> = {
      ...template,
      id: status.id,
      sha: status.sha,
      name: pr.repo.fullName,
      target_url: `https://ci.example/${pr.repo.fullName}/${status.id}`,
      context: status.context,
      description: status.description,
      state: status.state.toLowerCase(),
      branches: [],
      created_at: status.createdAt.toISOString().replace(/\.\d{3}Z$/, "+00:00"),
      updated_at: status.createdAt.toISOString().replace(/\.\d{3}Z$/, "+00:00"),
      commit: { ...(template["commit"] as Record<string, unknown>), sha: status.sha, url: `https://api.github.com/repos/${pr.repo.fullName}/commits/${status.sha}` },
      ...this.#envelope(pr, status.creator),
    };
    delete payload["organization"];
    return this.#delivery("status", payload);
  }
}

function exampleHas(event: string, action: string): boolean {
  try {
    exampleOf(event, action);
    return true;
  } catch {
    return false;
  }
}

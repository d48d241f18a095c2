import { createHash } from "node:crypto";
import type { CheckConclusionState, CheckStatusState, StatusState } from "../../../src/github/pr-snapshot.js";

/**
 * The in-memory GitHub the fake serves: installations, repositories and pull requests with
 * everything a PR snapshot reads (commits, checks and statuses per head sha, reviews, review
 * threads, auto-merge, labels, mergeability). Tests mutate it with the methods below; the REST
 * and GraphQL endpoints and the webhook payload builders all read the same objects, so what a
 * webhook says, what the API answers and what `expectedSignals` predicts always agree.
 */

export type UserType = "User" | "Bot" | "Organization";

export interface FakeUser {
  /** The login as REST and webhooks spell it: bots keep their `[bot]` suffix (`jules[bot]`). */
  login: string;
  type: UserType;
  id: number;
}

export interface FakeInstallation {
  id: number;
  account: FakeUser;
}

export interface FakeCommit {
  oid: string;
  message: string;
  committedDate: Date;
  /** When the commit reached the PR (the app derives last_push_hours from the head commit). */
  pushedAt: Date;
  author: FakeUser;
  /** Parent shas (a plain commit: the previous head; a merge of the base: the head and the base tip). */
  parents: string[];
}

// GitHub's enums, as the app's snapshot types spell them.
export type CheckStatus = CheckStatusState;
export type CheckConclusion = CheckConclusionState;
export type { StatusState };

export interface FakeCheckRun {
  id: number;
  suiteId: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  startedAt: Date;
  completedAt: Date | null;
  appSlug: string;
}

export interface FakeStatus {
  id: number;
  sha: string;
  context: string;
  state: StatusState;
  description: string;
  createdAt: Date;
  creator: FakeUser;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";

export interface FakeReview {
  id: number;
  author: FakeUser;
  state: ReviewState;
  body: string;
  submittedAt: Date;
  commitOid: string;
}

export interface FakeReviewThread {
  id: number;
  path: string;
  line: number;
  body: string;
  author: FakeUser;
  createdAt: Date;
  isResolved: boolean;
  isOutdated: boolean;
  resolvedBy: FakeUser | null;
  /** The head sha the thread was written on; a push makes it outdated. */
  commitOid: string;
}

export interface FakeAutoMerge {
  enabledBy: FakeUser;
  enabledAt: Date;
  mergeMethod: "MERGE" | "SQUASH" | "REBASE";
}

export interface FakeTimelineEvent {
  /** The GraphQL __typename (ReadyForReviewEvent, HeadRefForcePushedEvent, ...). */
  type: string;
  actor: FakeUser;
  createdAt: Date;
  /** Extra fields by GraphQL name (label name, commit oid...). */
  data?: Record<string, unknown>;
}

export type MergeStateStatus = "BEHIND" | "BLOCKED" | "CLEAN" | "DIRTY" | "DRAFT" | "HAS_HOOKS" | "UNKNOWN" | "UNSTABLE";
export type Mergeable = "MERGEABLE" | "CONFLICTING" | "UNKNOWN";

export interface FakePullRequest {
  repo: FakeRepo;
  id: number;
  number: number;
  title: string;
  body: string;
  author: FakeUser;
  isDraft: boolean;
  state: "OPEN" | "CLOSED" | "MERGED";
  headRef: string;
  baseRef: string;
  baseSha: string;
  /** A PR from a fork: check_run/check_suite payloads carry an empty `pull_requests` list. */
  fromFork: boolean;
  commits: FakeCommit[];
  /** Commits a force push took off the branch: GitHub's timeline still names them. */
  formerCommits: FakeCommit[];
  additions: number;
  deletions: number;
  changedFiles: number;
  conflicting: boolean;
  behind: boolean;
  /** GraphQL reads left that answer UNKNOWN before mergeability is "computed". */
  mergeabilityPendingReads: number;
  labels: string[];
  requestedReviewers: FakeUser[];
  reviews: FakeReview[];
  threads: FakeReviewThread[];
  autoMerge: FakeAutoMerge | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
  mergedAt: Date | null;
  mergedBy: FakeUser | null;
  mergeCommitSha: string | null;
  timeline: FakeTimelineEvent[];
}

export interface FakeRepo {
  id: number;
  owner: FakeUser;
  name: string;
  fullName: string;
  installationId: number;
  defaultBranch: string;
  defaultBranchSha: string;
  private: boolean;
  /** Branch protection on the default branch: approvals needed (0: reviewDecision is null). */
  requiredApprovals: number;
  /** Check or status names that branch protection requires (isRequired, BLOCKED). */
  requiredChecks: string[];
  /** Files by path on the default branch (e.g. `.github/pr-telemetry.yml`). */
  files: Map<string, string>;
  pulls: Map<number, FakePullRequest>;
  checkRuns: FakeCheckRun[];
  statuses: FakeStatus[];
  /** Issue and PR numbers share one sequence, as on GitHub. */
  nextNumber: number;
}

export interface GitHubModelOptions {
  /** The model's clock; tests may pin or move it. Default: the real clock. */
  clock?: () => Date;
  /** After a push or a base change, this many GraphQL reads answer mergeable UNKNOWN. Default 0. */
  unknownReadsAfterPush?: number;
}

export interface OpenPullRequestInput {
  author: string | FakeUser;
  title?: string;
  body?: string;
  draft?: boolean;
  headRef?: string;
  baseRef?: string;
  fromFork?: boolean;
  additions?: number;
  deletions?: number;
  changedFiles?: number;
  labels?: string[];
}

const PASSING_CONCLUSIONS = new Set<string>(["SUCCESS", "NEUTRAL", "SKIPPED"]);
const FAILING_CONCLUSIONS = new Set<string>(["FAILURE", "TIMED_OUT", "CANCELLED", "ACTION_REQUIRED", "STARTUP_FAILURE", "ERROR"]);

/** A GitHub-looking 40-hex sha, deterministic for a seed. */
export function fakeSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/** How a login becomes a user: a `[bot]` suffix makes a Bot, as on GitHub. */
function userType(login: string): UserType {
  return login.endsWith("[bot]") ? "Bot" : "User";
}

export class GitHubModel {
  readonly installations = new Map<number, FakeInstallation>();
  readonly repos = new Map<string, FakeRepo>();
  readonly users = new Map<string, FakeUser>();
  readonly clock: () => Date;
  unknownReadsAfterPush: number;
  #nextId = 1000;

  constructor(options: GitHubModelOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.unknownReadsAfterPush = options.unknownReadsAfterPush ?? 0;
  }

  /** A unique id for anything that needs one (users, checks, reviews...). */
  nextId(): number {
    return ++this.#nextId;
  }

  /** The user with this login, created on first use (`name[bot]` is a Bot). */
  user(login: string | FakeUser, type?: UserType): FakeUser {
    if (typeof login !== "string") return login;
    let u = this.users.get(login);
    if (!u) {
      u = { login, type: type ?? userType(login), id: this.nextId() };
      this.users.set(login, u);
    }
    return u;
  }

  addInstallation(accountLogin: string, id?: number): FakeInstallation {
    const installation = { id: id ?? this.nextId(), account: this.user(accountLogin, "Organization") };
    this.installations.set(installation.id, installation);
    return installation;
  }

  /** Adds `owner/name` under an installation (created for the owner when not given). */
  addRepo(
    fullName: string,
    options: { installationId?: number; requiredApprovals?: number; requiredChecks?: string[]; defaultBranch?: string; private?: boolean } = {},
  ): FakeRepo {
    const [ownerLogin, name] = fullName.split("/");
    if (!ownerLogin || !name) throw new Error(`addRepo wants "owner/name", got "${fullName}"`);
    let installationId = options.installationId;
    if (installationId === undefined) {
      const existing = [...this.installations.values()].find((i) => i.account.login === ownerLogin);
      installationId = (existing ?? this.addInstallation(ownerLogin)).id;
    }
    const repo: FakeRepo = {
      id: this.nextId(),
      owner: this.user(ownerLogin, "Organization"),
      name,
      fullName,
      installationId,
      defaultBranch: options.defaultBranch ?? "main",
      defaultBranchSha: fakeSha(`${fullName}:main`),
      private: options.private ?? false,
      requiredApprovals: options.requiredApprovals ?? 1,
      requiredChecks: options.requiredChecks ?? [],
      files: new Map(),
      pulls: new Map(),
      checkRuns: [],
      statuses: [],
      nextNumber: 1,
    };
    this.repos.set(fullName, repo);
    return repo;
  }

  repo(fullName: string): FakeRepo {
    const repo = this.repos.get(fullName);
    if (!repo) throw new Error(`the fake GitHub has no repository ${fullName}; add it with model.addRepo`);
    return repo;
  }

  pull(fullName: string, number: number): FakePullRequest {
    const pr = this.repo(fullName).pulls.get(number);
    if (!pr) throw new Error(`the fake GitHub has no PR ${fullName}#${number}`);
    return pr;
  }

  /** Opens a PR with one commit. */
  openPullRequest(repo: FakeRepo, input: OpenPullRequestInput): FakePullRequest {
    const now = this.clock();
    const number = repo.nextNumber++;
    const author = this.user(input.author);
    const pr: FakePullRequest = {
      repo,
      id: this.nextId(),
      number,
      title: input.title ?? `Change ${number}`,
      body: input.body ?? "",
      author,
      isDraft: input.draft ?? false,
      state: "OPEN",
      headRef: input.headRef ?? `feature-${number}`,
      baseRef: input.baseRef ?? repo.defaultBranch,
      baseSha: repo.defaultBranchSha,
      fromFork: input.fromFork ?? false,
      commits: [],
      formerCommits: [],
      additions: input.additions ?? 10,
      deletions: input.deletions ?? 2,
      changedFiles: input.changedFiles ?? 1,
      conflicting: false,
      behind: false,
      mergeabilityPendingReads: 0,
      labels: [...(input.labels ?? [])],
      requestedReviewers: [],
      reviews: [],
      threads: [],
      autoMerge: null,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      timeline: [],
    };
    repo.pulls.set(number, pr);
    // The PR's first commit is in its timeline, as on GitHub, made when the PR was opened.
    const first = this.pushCommit(pr, { message: pr.title });
    pr.createdAt = first.committedDate;
    pr.updatedAt = first.committedDate;
    return pr;
  }

  headSha(pr: FakePullRequest): string {
    const head = pr.commits.at(-1);
    if (!head) throw new Error(`PR ${pr.repo.fullName}#${pr.number} has no commit`);
    return head.oid;
  }

  #touch(pr: FakePullRequest): Date {
    const now = this.clock();
    pr.updatedAt = now;
    return now;
  }

  /** Pushes a commit to the PR's head branch: new head sha, threads on old code become outdated, mergeability is recomputed. */
  pushCommit(
    pr: FakePullRequest,
    options: { message?: string; additions?: number; deletions?: number; changedFiles?: number; timeline?: boolean; outdateThreads?: boolean; author?: FakeUser; parents?: string[] } = {},
  ): FakeCommit {
    const now = this.#touch(pr);
    const commit: FakeCommit = {
      oid: fakeSha(`${pr.repo.fullName}#${pr.number}:${pr.commits.length}:${this.nextId()}`),
      message: options.message ?? `commit ${pr.commits.length + 1}`,
      committedDate: now,
      pushedAt: now,
      author: options.author ?? pr.author,
      parents: options.parents ?? [pr.commits.at(-1)?.oid ?? pr.baseSha],
    };
    pr.commits.push(commit);
    pr.additions += options.additions ?? 0;
    pr.deletions += options.deletions ?? 0;
    pr.changedFiles += options.changedFiles ?? 0;
    if (options.outdateThreads ?? true) {
      for (const t of pr.threads) t.isOutdated = true;
    }
    pr.mergeabilityPendingReads = this.unknownReadsAfterPush;
    if (options.timeline ?? true) pr.timeline.push({ type: "PullRequestCommit", actor: pr.author, createdAt: now, data: { oid: commit.oid } });
    return commit;
  }

  /**
   * Rewrites the head branch (`git push --force`): one new commit replaces every commit of the PR.
   * The timeline gets the new commit and a HeadRefForcePushedEvent (before, after), as on GitHub.
   */
  forcePush(pr: FakePullRequest, actor: string | FakeUser = pr.author): FakeCommit {
    const before = this.headSha(pr);
    pr.formerCommits.push(...pr.commits);
    pr.commits = [];
    const commit = this.pushCommit(pr, { message: "rewritten" });
    pr.timeline.push({ type: "HeadRefForcePushedEvent", actor: this.user(actor), createdAt: commit.committedDate, data: { beforeOid: before, afterOid: commit.oid } });
    return commit;
  }

  /** "Update branch": a merge of the base branch's tip into the head, made by `actor` (GitHub's button, or PUT update-branch). */
  updateBranch(pr: FakePullRequest, actor: string | FakeUser): FakeCommit {
    return this.pushCommit(pr, {
      message: `Merge branch '${pr.baseRef}' into ${pr.headRef}`,
      author: this.user(actor),
      parents: [this.headSha(pr), pr.repo.defaultBranchSha],
    });
  }

  /** A comment on the PR's conversation (an issue comment); its id is GitHub's comment id. */
  addComment(pr: FakePullRequest, author: string | FakeUser, body: string): { id: number; author: FakeUser; body: string; createdAt: Date } {
    const now = this.#touch(pr);
    const comment = { id: this.nextId(), author: this.user(author), body, createdAt: now };
    pr.timeline.push({ type: "IssueComment", actor: comment.author, createdAt: now, data: { id: comment.id, body } });
    return comment;
  }

  /** A base-branch change that conflicts (or stops conflicting) with the PR. */
  setConflicting(pr: FakePullRequest, conflicting: boolean): void {
    this.#touch(pr);
    pr.conflicting = conflicting;
    pr.mergeabilityPendingReads = this.unknownReadsAfterPush;
  }

  /** The next `reads` GraphQL reads of this PR answer mergeable/mergeStateStatus UNKNOWN. */
  setMergeabilityUnknown(pr: FakePullRequest, reads: number): void {
    pr.mergeabilityPendingReads = reads;
  }

  markReadyForReview(pr: FakePullRequest, actor: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    pr.isDraft = false;
    pr.timeline.push({ type: "ReadyForReviewEvent", actor: this.user(actor), createdAt: now });
  }

  convertToDraft(pr: FakePullRequest, actor: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    pr.isDraft = true;
    pr.timeline.push({ type: "ConvertToDraftEvent", actor: this.user(actor), createdAt: now });
  }

  editTitle(pr: FakePullRequest, title: string): void {
    this.#touch(pr);
    pr.title = title;
  }

  /** Creates a check run on the PR's head commit (or on `sha`). */
  addCheckRun(
    pr: FakePullRequest,
    name: string,
    options: { status?: CheckStatus; conclusion?: CheckConclusion; sha?: string; appSlug?: string } = {},
  ): FakeCheckRun {
    const now = this.#touch(pr);
    const completed = options.conclusion !== undefined;
    const run: FakeCheckRun = {
      id: this.nextId(),
      suiteId: this.nextId(),
      name,
      headSha: options.sha ?? this.headSha(pr),
      status: completed ? "COMPLETED" : (options.status ?? "IN_PROGRESS"),
      conclusion: options.conclusion ?? null,
      startedAt: now,
      completedAt: completed ? now : null,
      appSlug: options.appSlug ?? "github-actions",
    };
    pr.repo.checkRuns.push(run);
    return run;
  }

  /** Completes a check run with a conclusion. */
  completeCheckRun(run: FakeCheckRun, conclusion: CheckConclusion): FakeCheckRun {
    run.status = "COMPLETED";
    run.conclusion = conclusion;
    run.completedAt = this.clock();
    for (const repo of this.repos.values()) {
      for (const pr of repo.pulls.values()) if (pr.commits.at(-1)?.oid === run.headSha) this.#touch(pr);
    }
    return run;
  }

  /** Creates and completes a check run named `name` on the head commit in one step. */
  completeCheck(pr: FakePullRequest, name: string, conclusion: CheckConclusion): FakeCheckRun {
    return this.completeCheckRun(this.addCheckRun(pr, name), conclusion);
  }

  /** Sets a commit status (context) on the PR's head commit. */
  setStatus(pr: FakePullRequest, context: string, state: StatusState, options: { creator?: string; description?: string } = {}): FakeStatus {
    const now = this.#touch(pr);
    const status: FakeStatus = {
      id: this.nextId(),
      sha: this.headSha(pr),
      context,
      state,
      description: options.description ?? `${context} is ${state.toLowerCase()}`,
      createdAt: now,
      creator: this.user(options.creator ?? "ci-bot"),
    };
    pr.repo.statuses.push(status);
    return status;
  }

  requestReview(pr: FakePullRequest, reviewer: string | FakeUser, actor: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    const user = this.user(reviewer);
    if (!pr.requestedReviewers.includes(user)) pr.requestedReviewers.push(user);
    pr.timeline.push({ type: "ReviewRequestedEvent", actor: this.user(actor), createdAt: now, data: { requestedReviewer: user } });
  }

  submitReview(pr: FakePullRequest, reviewer: string | FakeUser, state: ReviewState, body = ""): FakeReview {
    const now = this.#touch(pr);
    const author = this.user(reviewer);
    const review: FakeReview = { id: this.nextId(), author, state, body, submittedAt: now, commitOid: this.headSha(pr) };
    pr.reviews.push(review);
    pr.requestedReviewers = pr.requestedReviewers.filter((u) => u !== author);
    return review;
  }

  dismissReview(pr: FakePullRequest, review: FakeReview, actor: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    pr.timeline.push({ type: "ReviewDismissedEvent", actor: this.user(actor), createdAt: now, data: { review, previousReviewState: review.state } });
    review.state = "DISMISSED";
  }

  addReviewThread(pr: FakePullRequest, author: string | FakeUser, options: { path?: string; line?: number; body?: string } = {}): FakeReviewThread {
    const now = this.#touch(pr);
    const thread: FakeReviewThread = {
      id: this.nextId(),
      path: options.path ?? "src/index.ts",
      line: options.line ?? 1,
      body: options.body ?? "Please change this",
      author: this.user(author),
      createdAt: now,
      isResolved: false,
      isOutdated: false,
      resolvedBy: null,
      commitOid: this.headSha(pr),
    };
    pr.threads.push(thread);
    return thread;
  }

  resolveThread(pr: FakePullRequest, thread: FakeReviewThread, by: string | FakeUser = pr.author): void {
    this.#touch(pr);
    thread.isResolved = true;
    thread.resolvedBy = this.user(by);
  }

  unresolveThread(pr: FakePullRequest, thread: FakeReviewThread): void {
    this.#touch(pr);
    thread.isResolved = false;
    thread.resolvedBy = null;
  }

  enableAutoMerge(pr: FakePullRequest, by: string | FakeUser = pr.author, mergeMethod: FakeAutoMerge["mergeMethod"] = "SQUASH"): void {
    const now = this.#touch(pr);
    pr.autoMerge = { enabledBy: this.user(by), enabledAt: now, mergeMethod };
    pr.timeline.push({ type: "AutoMergeEnabledEvent", actor: this.user(by), createdAt: now });
  }

  disableAutoMerge(pr: FakePullRequest, by: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    pr.autoMerge = null;
    pr.timeline.push({ type: "AutoMergeDisabledEvent", actor: this.user(by), createdAt: now });
  }

  addLabel(pr: FakePullRequest, label: string, actor: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    if (!pr.labels.includes(label)) pr.labels.push(label);
    pr.timeline.push({ type: "LabeledEvent", actor: this.user(actor), createdAt: now, data: { label } });
  }

  removeLabel(pr: FakePullRequest, label: string, actor: string | FakeUser = pr.author): void {
    const now = this.#touch(pr);
    pr.labels = pr.labels.filter((l) => l !== label);
    pr.timeline.push({ type: "UnlabeledEvent", actor: this.user(actor), createdAt: now, data: { label } });
  }

  /** Merges the PR (auto-merge, when enabled, is consumed). */
  merge(pr: FakePullRequest, by: string | FakeUser = pr.autoMerge?.enabledBy ?? pr.author): void {
    if (pr.state !== "OPEN") throw new Error(`PR ${pr.repo.fullName}#${pr.number} is ${pr.state}, cannot merge`);
    const now = this.#touch(pr);
    pr.state = "MERGED";
    pr.mergedAt = now;
    pr.closedAt = now;
    pr.mergedBy = this.user(by);
    pr.mergeCommitSha = fakeSha(`${pr.repo.fullName}#${pr.number}:merge`);
    pr.repo.defaultBranchSha = pr.mergeCommitSha;
    pr.timeline.push({ type: "MergedEvent", actor: pr.mergedBy, createdAt: now });
    // GitHub's timeline shows a merged PR as closed too.
    pr.timeline.push({ type: "ClosedEvent", actor: pr.mergedBy, createdAt: now });
  }

  close(pr: FakePullRequest, by: string | FakeUser = pr.author): void {
    if (pr.state !== "OPEN") throw new Error(`PR ${pr.repo.fullName}#${pr.number} is ${pr.state}, cannot close`);
    const now = this.#touch(pr);
    pr.state = "CLOSED";
    pr.closedAt = now;
    pr.autoMerge = null;
    pr.timeline.push({ type: "ClosedEvent", actor: this.user(by), createdAt: now });
  }

  reopen(pr: FakePullRequest, by: string | FakeUser = pr.author): void {
    if (pr.state !== "CLOSED") throw new Error(`PR ${pr.repo.fullName}#${pr.number} is ${pr.state}, cannot reopen`);
    const now = this.#touch(pr);
    pr.state = "OPEN";
    pr.closedAt = null;
    pr.timeline.push({ type: "ReopenedEvent", actor: this.user(by), createdAt: now });
  }

  /** Puts a file on the repository's default branch (e.g. `.github/pr-telemetry.yml`). */
  setFile(repo: FakeRepo, path: string, content: string): void {
    repo.files.set(path, content);
  }

  // ---- derived state, as GitHub computes it ----

  /** The head commit's check runs (latest per name) and statuses (latest per context), as the status check rollup shows them. */
  headContexts(pr: FakePullRequest): { checkRuns: FakeCheckRun[]; statuses: FakeStatus[] } {
    const sha = this.headSha(pr);
    const runs = new Map<string, FakeCheckRun>();
    for (const run of pr.repo.checkRuns) if (run.headSha === sha) runs.set(run.name, run); // later wins
    const statuses = new Map<string, FakeStatus>();
    for (const s of pr.repo.statuses) if (s.sha === sha) statuses.set(s.context, s);
    return { checkRuns: [...runs.values()], statuses: [...statuses.values()] };
  }

  /** Each context's verdict as the issue defines it: passing, failing or pending. */
  contextVerdicts(pr: FakePullRequest): Array<{ name: string; verdict: "passing" | "failing" | "pending" }> {
    const { checkRuns, statuses } = this.headContexts(pr);
    const out: Array<{ name: string; verdict: "passing" | "failing" | "pending" }> = [];
    for (const r of checkRuns) {
      const c = r.status === "COMPLETED" ? r.conclusion : null;
      out.push({ name: r.name, verdict: c && PASSING_CONCLUSIONS.has(c) ? "passing" : c && FAILING_CONCLUSIONS.has(c) ? "failing" : "pending" });
    }
    for (const s of statuses) {
      out.push({ name: s.context, verdict: PASSING_CONCLUSIONS.has(s.state) ? "passing" : FAILING_CONCLUSIONS.has(s.state) ? "failing" : "pending" });
    }
    return out;
  }

  /** The status check rollup's state (null when the head commit has no checks or statuses). */
  rollupState(pr: FakePullRequest): StatusState | null {
    const verdicts = this.contextVerdicts(pr);
    if (verdicts.length === 0) return null;
    if (verdicts.some((v) => v.verdict === "failing")) return "FAILURE";
    if (verdicts.some((v) => v.verdict === "pending")) return "PENDING";
    return "SUCCESS";
  }

  /** Each reviewer's latest opinionated review (APPROVED / CHANGES_REQUESTED; a dismissal withdraws it). */
  latestOpinionatedReviews(pr: FakePullRequest): FakeReview[] {
    const byAuthor = new Map<string, FakeReview>();
    for (const r of pr.reviews) {
      if (r.state === "COMMENTED") continue;
      byAuthor.set(r.author.login, r);
    }
    return [...byAuthor.values()].filter((r) => r.state !== "DISMISSED");
  }

  /** Each reviewer's latest review of any kind. */
  latestReviews(pr: FakePullRequest): FakeReview[] {
    const byAuthor = new Map<string, FakeReview>();
    for (const r of pr.reviews) byAuthor.set(r.author.login, r);
    return [...byAuthor.values()];
  }

  reviewDecision(pr: FakePullRequest): "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED" | null {
    if (pr.repo.requiredApprovals === 0) return null;
    const latest = this.latestOpinionatedReviews(pr);
    if (latest.some((r) => r.state === "CHANGES_REQUESTED")) return "CHANGES_REQUESTED";
    if (latest.filter((r) => r.state === "APPROVED").length >= pr.repo.requiredApprovals) return "APPROVED";
    return "REVIEW_REQUIRED";
  }

  /** Mergeability once GitHub has computed it (what the next reads converge to). */
  computedMergeability(pr: FakePullRequest): { mergeable: Mergeable; mergeStateStatus: MergeStateStatus } {
    // GitHub stops computing mergeability once a PR is closed or merged.
    if (pr.state !== "OPEN") return { mergeable: "UNKNOWN", mergeStateStatus: "UNKNOWN" };
    if (pr.conflicting) return { mergeable: "CONFLICTING", mergeStateStatus: "DIRTY" };
    if (pr.isDraft) return { mergeable: "MERGEABLE", mergeStateStatus: "DRAFT" };
    const verdicts = this.contextVerdicts(pr);
    const required = pr.repo.requiredChecks;
    const requiredMissingOrBad = required.some((name) => {
      const v = verdicts.find((x) => x.name === name);
      return !v || v.verdict !== "passing";
    });
    const decision = this.reviewDecision(pr);
    if (requiredMissingOrBad || (decision !== null && decision !== "APPROVED")) return { mergeable: "MERGEABLE", mergeStateStatus: "BLOCKED" };
    if (pr.behind) return { mergeable: "MERGEABLE", mergeStateStatus: "BEHIND" };
    if (verdicts.some((v) => v.verdict !== "passing")) return { mergeable: "MERGEABLE", mergeStateStatus: "UNSTABLE" };
    return { mergeable: "MERGEABLE", mergeStateStatus: "CLEAN" };
  }

  /** What one GraphQL read sees: UNKNOWN while reads are pending (and consumes one), else the computed value. */
  readMergeability(pr: FakePullRequest): { mergeable: Mergeable; mergeStateStatus: MergeStateStatus } {
    if (pr.mergeabilityPendingReads > 0 && pr.state === "OPEN") {
      pr.mergeabilityPendingReads--;
      return { mergeable: "UNKNOWN", mergeStateStatus: "UNKNOWN" };
    }
    return this.computedMergeability(pr);
  }

  /** Open PRs whose head commit is `sha` (GET /repos/:o/:r/commits/:sha/pulls). */
  pullsForSha(repo: FakeRepo, sha: string): FakePullRequest[] {
    return [...repo.pulls.values()].filter((pr) => pr.commits.some((c) => c.oid === sha));
  }

  /** The installation a repository belongs to. */
  installationOf(repo: FakeRepo): FakeInstallation {
    const inst = this.installations.get(repo.installationId);
    if (!inst) throw new Error(`repository ${repo.fullName} names installation ${repo.installationId}, which does not exist`);
    return inst;
  }
}

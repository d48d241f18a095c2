import { GraphQLError } from "graphql";
import { connection, type ConnectionArgs } from "./connection.js";
import type {
  FakeCheckRun,
  FakeCommit,
  FakePullRequest,
  FakeRepo,
  FakeReview,
  FakeReviewThread,
  FakeStatus,
  FakeTimelineEvent,
  FakeUser,
  GitHubModel,
  Mergeable,
  MergeStateStatus,
} from "./model.js";

/**
 * GraphQL source objects over the model. Each view is a plain object whose properties are the
 * GraphQL field names: a value, or a function of (args, context). The fake's field resolver
 * refuses a field a view does not define, with a message naming it, so a query that reaches
 * past what the fake models fails loudly instead of receiving a made-up null.
 */

export interface GraphqlContext {
  model: GitHubModel;
  /** One mergeability read per PR per request, so mergeable and mergeStateStatus agree within a query. */
  mergeability: Map<FakePullRequest, { mergeable: Mergeable; mergeStateStatus: MergeStateStatus }>;
  /** Nodes the query touched (for the rateLimit.nodeCount answer). */
  nodeCount: number;
}

type View = Record<string, unknown>;

/** GitHub's DateTime: ISO-8601 without milliseconds. */
export function githubTime(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : null;
}

function nodeId(prefix: string, key: string | number): string {
  return `${prefix}_${Buffer.from(String(key)).toString("base64url")}`;
}

/** The Actor: GraphQL's Bot.login drops the `[bot]` suffix that REST and webhooks keep. */
export function actorView(user: FakeUser | null): View | null {
  // A deleted account: REST and webhooks show the "ghost" user, GraphQL a null actor.
  if (!user || user.login === "ghost") return null;
  const graphqlLogin = user.type === "Bot" ? user.login.replace(/\[bot\]$/, "") : user.login;
  return {
    __typename: user.type,
    login: graphqlLogin,
    id: nodeId(user.type === "Bot" ? "BOT" : user.type === "Organization" ? "O" : "U", user.id),
    databaseId: user.id,
    url: `https://github.com/${user.type === "Bot" ? `apps/${graphqlLogin}` : graphqlLogin}`,
    resourcePath: `/${graphqlLogin}`,
    avatarUrl: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    name: null,
  };
}

function checkRunState(run: FakeCheckRun): string {
  return run.status === "COMPLETED" ? (run.conclusion ?? "COMPLETED") : run.status;
}

function checkRunView(model: GitHubModel, repo: FakeRepo, run: FakeCheckRun): View {
  return {
    __typename: "CheckRun",
    id: nodeId("CR", run.id),
    databaseId: run.id,
    name: run.name,
    status: run.status,
    conclusion: run.status === "COMPLETED" ? run.conclusion : null,
    startedAt: githubTime(run.startedAt),
    completedAt: githubTime(run.completedAt),
    detailsUrl: `https://github.com/${repo.fullName}/actions/runs/${run.id}`,
    url: `https://github.com/${repo.fullName}/runs/${run.id}`,
    permalink: `https://github.com/${repo.fullName}/runs/${run.id}`,
    resourcePath: `/${repo.fullName}/runs/${run.id}`,
    title: null,
    summary: null,
    text: null,
    externalId: null,
    isRequired: () => repo.requiredChecks.includes(run.name),
    checkSuite: {
      __typename: "CheckSuite",
      id: nodeId("CS", run.suiteId),
      databaseId: run.suiteId,
      status: run.status,
      conclusion: run.status === "COMPLETED" ? run.conclusion : null,
      app: { __typename: "App", slug: run.appSlug, name: run.appSlug, id: nodeId("A", run.appSlug), databaseId: 15368 },
      workflowRun: null,
    },
  };
}

function statusContextView(repo: FakeRepo, s: FakeStatus): View {
  return {
    __typename: "StatusContext",
    id: nodeId("SC", s.id),
    context: s.context,
    state: s.state,
    description: s.description,
    targetUrl: `https://ci.example/${repo.fullName}/${s.id}`,
    createdAt: githubTime(s.createdAt),
    creator: actorView(s.creator),
    avatarUrl: null,
    isRequired: () => repo.requiredChecks.includes(s.context),
  };
}

function countsByState(states: string[]): Array<{ state: string; count: number }> {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([state, count]) => ({ __typename: "CheckRunStateCount", state, count }));
}

function commitView(model: GitHubModel, pr: FakePullRequest, commit: FakeCommit): View {
  const repo = pr.repo;
  const rollup = (): View | null => {
    // Only the head commit's checks are modelled per PR; older commits keep theirs by sha.
    const runs = new Map<string, FakeCheckRun>();
    const everyRun: FakeCheckRun[] = [];
    for (const r of repo.checkRuns) {
      if (r.headSha !== commit.oid) continue;
      runs.set(r.name, r);
      everyRun.push(r);
    }
    const statuses = new Map<string, FakeStatus>();
    for (const s of repo.statuses) if (s.sha === commit.oid) statuses.set(s.context, s);
    if (runs.size + statuses.size === 0) return null;
    // GitHub's rollup lists every check run, re-runs included (the state counts the latest per name), and a context's newest status.
    const contexts = [
      ...everyRun.map((r) => checkRunView(model, repo, r)),
      ...[...statuses.values()].map((s) => statusContextView(repo, s)),
    ];
    const state = rollupStateOf(runs, statuses);
    return {
      __typename: "StatusCheckRollup",
      id: nodeId("SCR", commit.oid),
      state,
      commit: () => commitView(model, pr, commit),
      contexts: (args: ConnectionArgs) =>
        connection(contexts, args, "contexts", {
          checkRunCount: runs.size,
          statusContextCount: statuses.size,
          checkRunCountsByState: countsByState([...runs.values()].map(checkRunState)),
          statusContextCountsByState: countsByState([...statuses.values()].map((s) => s.state)).map((c) => ({
            ...c,
            __typename: "StatusContextStateCount",
          })),
        }),
    };
  };
  return {
    __typename: "Commit",
    id: nodeId("C", commit.oid),
    oid: commit.oid,
    abbreviatedOid: commit.oid.slice(0, 7),
    message: commit.message,
    messageHeadline: commit.message.split("\n")[0],
    messageBody: commit.message.split("\n").slice(1).join("\n"),
    committedDate: githubTime(commit.committedDate),
    authoredDate: githubTime(commit.committedDate),
    pushedDate: githubTime(commit.pushedAt),
    url: `https://github.com/${repo.fullName}/commit/${commit.oid}`,
    author: { __typename: "GitActor", name: commit.author.login, email: `${commit.author.id}+${commit.author.login}@users.noreply.github.com`, date: githubTime(commit.committedDate), user: actorView(commit.author) },
    committer: { __typename: "GitActor", name: "GitHub", email: "noreply@github.com", date: githubTime(commit.committedDate), user: null },
    statusCheckRollup: rollup,
    parents: (args: ConnectionArgs) => connection(commit.parents.map((oid) => ({ __typename: "Commit", id: nodeId("C", oid), oid })), args, "parents"),
    status: () => {
      const statuses = new Map<string, FakeStatus>();
      for (const s of repo.statuses) if (s.sha === commit.oid) statuses.set(s.context, s);
      if (statuses.size === 0) return null;
      const list = [...statuses.values()];
      const state = list.some((s) => s.state === "FAILURE" || s.state === "ERROR") ? "FAILURE" : list.some((s) => s.state === "PENDING" || s.state === "EXPECTED") ? "PENDING" : "SUCCESS";
      return { __typename: "Status", id: nodeId("ST", commit.oid), state, contexts: list.map((s) => statusContextView(repo, s)), context: (a: { name: string }) => { const s = statuses.get(a.name); return s ? statusContextView(repo, s) : null; } };
    },
  };
}

function rollupStateOf(runs: Map<string, FakeCheckRun>, statuses: Map<string, FakeStatus>): string {
  const verdicts = [
    ...[...runs.values()].map((r) => (r.status === "COMPLETED" ? r.conclusion : "PENDING")),
    ...[...statuses.values()].map((s) => s.state),
  ];
  if (verdicts.some((v) => v && ["FAILURE", "TIMED_OUT", "CANCELLED", "ACTION_REQUIRED", "STARTUP_FAILURE", "ERROR"].includes(v))) return "FAILURE";
  if (verdicts.some((v) => !v || ["PENDING", "EXPECTED", "STALE"].includes(v))) return "PENDING";
  return "SUCCESS";
}

function reviewView(model: GitHubModel, pr: FakePullRequest, r: FakeReview): View {
  return {
    __typename: "PullRequestReview",
    id: nodeId("PRR", r.id),
    databaseId: r.id,
    fullDatabaseId: String(r.id),
    author: actorView(r.author),
    authorAssociation: "MEMBER",
    state: r.state,
    body: r.body,
    bodyText: r.body,
    submittedAt: githubTime(r.submittedAt),
    createdAt: githubTime(r.submittedAt),
    publishedAt: githubTime(r.submittedAt),
    updatedAt: githubTime(r.submittedAt),
    url: `https://github.com/${pr.repo.fullName}/pull/${pr.number}#pullrequestreview-${r.id}`,
    commit: () => {
      const c = pr.commits.find((x) => x.oid === r.commitOid);
      return c ? commitView(model, pr, c) : null;
    },
  };
}

function threadView(pr: FakePullRequest, t: FakeReviewThread): View {
  const comment = {
    __typename: "PullRequestReviewComment",
    id: nodeId("PRRC", t.id),
    databaseId: t.id,
    author: actorView(t.author),
    body: t.body,
    bodyText: t.body,
    createdAt: githubTime(t.createdAt),
    path: t.path,
    url: `https://github.com/${pr.repo.fullName}/pull/${pr.number}#discussion_r${t.id}`,
    outdated: t.isOutdated,
  };
  return {
    __typename: "PullRequestReviewThread",
    id: nodeId("PRRT", t.id),
    isResolved: t.isResolved,
    isOutdated: t.isOutdated,
    isCollapsed: t.isResolved,
    path: t.path,
    line: t.isOutdated ? null : t.line,
    originalLine: t.line,
    startLine: null,
    diffSide: "RIGHT",
    subjectType: "LINE",
    resolvedBy: actorView(t.resolvedBy),
    comments: (args: ConnectionArgs) => connection([comment], args, "comments"),
  };
}

function labelView(name: string): View {
  return { __typename: "Label", id: nodeId("LA", name), name, color: "ededed", description: null, isDefault: false };
}

/** SCREAMING_SNAKE item type (READY_FOR_REVIEW_EVENT) to its __typename (ReadyForReviewEvent). */
function itemTypeName(itemType: string): string {
  return itemType
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

function timelineView(model: GitHubModel, pr: FakePullRequest, e: FakeTimelineEvent, i: number): View {
  const base: View = { __typename: e.type, id: nodeId("TE", `${pr.id}:${i}`), actor: actorView(e.actor), createdAt: githubTime(e.createdAt) };
  switch (e.type) {
    case "PullRequestCommit": {
      const c = [...pr.commits, ...pr.formerCommits].find((x) => x.oid === e.data?.["oid"]);
      return { __typename: "PullRequestCommit", id: base["id"], commit: c ? commitView(model, pr, c) : null, url: `https://github.com/${pr.repo.fullName}/pull/${pr.number}/commits/${String(e.data?.["oid"])}` };
    }
    case "LabeledEvent":
    case "UnlabeledEvent":
      return { ...base, label: labelView(String(e.data?.["label"])) };
    case "AutoMergeEnabledEvent":
      return { ...base, enabler: actorView(e.actor) };
    case "AutoMergeDisabledEvent":
      return { ...base, disabler: actorView(e.actor), reason: null, reasonCode: null };
    case "ReviewRequestedEvent":
      return { ...base, requestedReviewer: actorView(e.data?.["requestedReviewer"] as FakeUser) };
    case "HeadRefForcePushedEvent": {
      const all = [...pr.commits, ...pr.formerCommits];
      const of = (oid: unknown) => {
        const c = all.find((x) => x.oid === oid);
        return c ? commitView(model, pr, c) : null;
      };
      return { ...base, beforeCommit: of(e.data?.["beforeOid"]), afterCommit: of(e.data?.["afterOid"]), ref: null };
    }
    case "ReviewDismissedEvent":
      return { ...base, review: reviewView(model, pr, e.data!["review"] as FakeReview), previousReviewState: e.data?.["previousReviewState"], dismissalMessage: null };
    case "IssueComment": {
      const id = Number(e.data?.["id"]);
      return {
        __typename: "IssueComment",
        id: nodeId("IC", id),
        databaseId: id,
        fullDatabaseId: String(id),
        author: actorView(e.actor),
        body: String(e.data?.["body"]),
        bodyText: String(e.data?.["body"]),
        createdAt: githubTime(e.createdAt),
        url: `https://github.com/${pr.repo.fullName}/pull/${pr.number}#issuecomment-${id}`,
      };
    }
    case "MergedEvent":
      return { ...base, mergeRefName: pr.baseRef, commit: null };
    default:
      return base;
  }
}

function mergeabilityOf(ctx: GraphqlContext, pr: FakePullRequest) {
  let m = ctx.mergeability.get(pr);
  if (!m) {
    m = ctx.model.readMergeability(pr);
    ctx.mergeability.set(pr, m);
  }
  return m;
}

/** The PullRequest object. */
export function pullRequestView(model: GitHubModel, pr: FakePullRequest): View {
  const repo = pr.repo;
  const reviewsFiltered = (args: ConnectionArgs & { states?: string[] | null; author?: string | null }) =>
    pr.reviews.filter((r) => (!args.states || args.states.includes(r.state)) && (!args.author || r.author.login === args.author));
  return {
    __typename: "PullRequest",
    id: nodeId("PR", `${repo.fullName}#${pr.number}`),
    databaseId: pr.id,
    fullDatabaseId: String(pr.id),
    number: pr.number,
    title: pr.title,
    body: pr.body,
    bodyText: pr.body,
    url: `https://github.com/${repo.fullName}/pull/${pr.number}`,
    permalink: `https://github.com/${repo.fullName}/pull/${pr.number}`,
    resourcePath: `/${repo.fullName}/pull/${pr.number}`,
    state: pr.state,
    closed: pr.state !== "OPEN",
    merged: pr.state === "MERGED",
    locked: false,
    isDraft: pr.isDraft,
    isCrossRepository: pr.fromFork,
    isInMergeQueue: false,
    isMergeQueueEnabled: false,
    mergeable: (_a: unknown, ctx: GraphqlContext) => mergeabilityOf(ctx, pr).mergeable,
    mergeStateStatus: (_a: unknown, ctx: GraphqlContext) => mergeabilityOf(ctx, pr).mergeStateStatus,
    reviewDecision: () => model.reviewDecision(pr),
    createdAt: githubTime(pr.createdAt),
    updatedAt: githubTime(pr.updatedAt),
    publishedAt: githubTime(pr.createdAt),
    lastEditedAt: null,
    closedAt: githubTime(pr.closedAt),
    mergedAt: githubTime(pr.mergedAt),
    mergedBy: actorView(pr.mergedBy),
    author: actorView(pr.author),
    authorAssociation: "CONTRIBUTOR",
    headRefOid: model.headSha(pr),
    headRefName: pr.headRef,
    baseRefName: pr.baseRef,
    baseRefOid: pr.baseSha,
    baseRef: { __typename: "Ref", id: nodeId("REF", `${repo.fullName}:${pr.baseRef}`), name: pr.baseRef, prefix: "refs/heads/" },
    headRef: pr.state === "OPEN" ? { __typename: "Ref", id: nodeId("REF", `${repo.fullName}:${pr.headRef}`), name: pr.headRef, prefix: "refs/heads/" } : null,
    additions: pr.additions,
    deletions: pr.deletions,
    changedFiles: pr.changedFiles,
    mergeCommit: null,
    totalCommentsCount: pr.threads.length,
    repository: () => repositoryView(model, repo),
    baseRepository: () => repositoryView(model, repo),
    headRepository: () => (pr.fromFork ? null : repositoryView(model, repo)),
    commits: (args: ConnectionArgs) =>
      connection(
        pr.commits.map((c) => ({ __typename: "PullRequestCommit", id: nodeId("PRC", c.oid), commit: commitView(model, pr, c), url: `https://github.com/${repo.fullName}/pull/${pr.number}/commits/${c.oid}` })),
        args,
        "commits",
      ),
    statusCheckRollup: () => (commitView(model, pr, pr.commits.at(-1)!)["statusCheckRollup"] as () => View | null)(),
    autoMergeRequest: pr.autoMerge
      ? {
          __typename: "AutoMergeRequest",
          enabledAt: githubTime(pr.autoMerge.enabledAt),
          enabledBy: actorView(pr.autoMerge.enabledBy),
          mergeMethod: pr.autoMerge.mergeMethod,
          commitHeadline: null,
          commitBody: null,
          authorEmail: null,
          pullRequest: () => pullRequestView(model, pr),
        }
      : null,
    latestOpinionatedReviews: (args: ConnectionArgs) =>
      connection(model.latestOpinionatedReviews(pr).map((r) => reviewView(model, pr, r)), args, "latestOpinionatedReviews"),
    latestReviews: (args: ConnectionArgs) => connection(model.latestReviews(pr).map((r) => reviewView(model, pr, r)), args, "latestReviews"),
    reviews: (args: ConnectionArgs & { states?: string[] | null; author?: string | null }) =>
      connection(reviewsFiltered(args).map((r) => reviewView(model, pr, r)), args, "reviews"),
    reviewThreads: (args: ConnectionArgs) => connection(pr.threads.map((t) => threadView(pr, t)), args, "reviewThreads"),
    reviewRequests: (args: ConnectionArgs) =>
      connection(pr.requestedReviewers.map((u) => ({ __typename: "ReviewRequest", id: nodeId("RR", `${pr.id}:${u.id}`), asCodeOwner: false, requestedReviewer: actorView(u) })), args, "reviewRequests"),
    labels: (args: ConnectionArgs) => connection(pr.labels.map(labelView), args, "labels"),
    timelineItems: (args: ConnectionArgs & { itemTypes?: string[] | null; since?: string | null }) => {
      const wanted = args.itemTypes?.map(itemTypeName);
      const since = args.since ? new Date(args.since) : undefined;
      const events: FakeTimelineEvent[] = [
        ...pr.timeline,
        ...pr.reviews.map((r) => ({ type: "PullRequestReview", actor: r.author, createdAt: r.submittedAt, data: { review: r } })),
      ].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      const views = events.map((e, i) =>
        e.type === "PullRequestReview" ? reviewView(model, pr, e.data!["review"] as FakeReview) : timelineView(model, pr, e, i),
      );
      const filtered = views.filter((v, i) => (!wanted || wanted.includes(String(v["__typename"]))) && (!since || events[i]!.createdAt >= since));
      return connection(filtered, args, "timelineItems", {
        filteredCount: filtered.length,
        pageCount: filtered.length,
        updatedAt: githubTime(pr.updatedAt),
      });
    },
  };
}

/** The Repository object. */
export function repositoryView(model: GitHubModel, repo: FakeRepo): View {
  return {
    __typename: "Repository",
    id: nodeId("R", repo.id),
    databaseId: repo.id,
    name: repo.name,
    nameWithOwner: repo.fullName,
    owner: actorView(repo.owner),
    isPrivate: repo.private,
    isArchived: false,
    url: `https://github.com/${repo.fullName}`,
    defaultBranchRef: { __typename: "Ref", id: nodeId("REF", `${repo.fullName}:${repo.defaultBranch}`), name: repo.defaultBranch, prefix: "refs/heads/" },
    // `object(expression: "HEAD:path")`: a file on the default branch as a Blob (null when absent).
    object: (args: { expression?: string | null; oid?: string | null }) => {
      const m = /^(?:HEAD|[^:]+):(.+)$/.exec(args.expression ?? "");
      const text = m ? repo.files.get(m[1]!) : undefined;
      if (text === undefined) return null;
      return { __typename: "Blob", id: nodeId("B", `${repo.fullName}:${m![1]}`), text, byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false, oid: "0".repeat(40) };
    },
    pullRequest: (args: { number: number }) => {
      const pr = repo.pulls.get(args.number);
      if (!pr) {
        throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${args.number}.`, { extensions: { type: "NOT_FOUND" } });
      }
      return pullRequestView(model, pr);
    },
    pullRequests: (args: ConnectionArgs & { states?: string[] | null; baseRefName?: string | null; headRefName?: string | null; labels?: string[] | null; orderBy?: { field: string; direction: string } | null }) => {
      let prs = [...repo.pulls.values()].filter(
        (pr) =>
          (!args.states || args.states.includes(pr.state)) &&
          (!args.baseRefName || pr.baseRef === args.baseRefName) &&
          (!args.headRefName || pr.headRef === args.headRefName) &&
          (!args.labels || args.labels.some((l) => pr.labels.includes(l))),
      );
      if (args.orderBy) {
        const key = args.orderBy.field === "UPDATED_AT" ? (p: FakePullRequest) => p.updatedAt.getTime() : (p: FakePullRequest) => p.createdAt.getTime();
        prs = prs.sort((a, b) => key(a) - key(b) || a.number - b.number);
        if (args.orderBy.direction === "DESC") prs.reverse();
      }
      return connection(prs.map((pr) => pullRequestView(model, pr)), args, "pullRequests");
    },
  };
}

/** The Query root: repository, node(s) by id for PRs, rateLimit. */
export function queryRoot(model: GitHubModel, rate: { remaining: number; limit: number; resetAt: Date; used: number }): View {
  const prById = (id: string): View | null => {
    for (const repo of model.repos.values()) {
      for (const pr of repo.pulls.values()) {
        if (nodeId("PR", `${repo.fullName}#${pr.number}`) === id) return pullRequestView(model, pr);
      }
    }
    return null;
  };
  // A commit's StatusCheckRollup by its id (the contexts' next pages are asked by it).
  const rollupById = (id: string): View | null => {
    for (const repo of model.repos.values()) {
      for (const pr of repo.pulls.values()) {
        for (const c of [...pr.commits, ...pr.formerCommits]) {
          if (nodeId("SCR", c.oid) === id) return (commitView(model, pr, c)["statusCheckRollup"] as () => View | null)();
        }
      }
    }
    return null;
  };
  return {
    repository: (args: { owner: string; name: string }) => {
      const repo = model.repos.get(`${args.owner}/${args.name}`);
      if (!repo) {
        throw new GraphQLError(`Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`, { extensions: { type: "NOT_FOUND" } });
      }
      return repositoryView(model, repo);
    },
    node: (args: { id: string }) => prById(args.id) ?? rollupById(args.id),
    nodes: (args: { ids: string[] }) => args.ids.map(prById),
    rateLimit: () => ({
      __typename: "RateLimit",
      cost: 1,
      limit: rate.limit,
      remaining: rate.remaining,
      used: rate.used,
      nodeCount: 1,
      resetAt: githubTime(rate.resetAt),
    }),
  };
}

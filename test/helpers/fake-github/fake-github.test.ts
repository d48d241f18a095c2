import { generateKeyPairSync } from "node:crypto";
import type { AddressInfo } from "node:net";
import { parse, validate } from "graphql";
import { Probot, ProbotOctokit, Server } from "probot";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../app-process.js";
import { WebhookSender } from "../webhook-sender.js";
import { exampleOf, expectedSignals, githubSchema, startFakeGitHub, WebhookPayloads, type FakeGitHub } from "./index.js";

const APP_ID = 4242;
const { privateKey, publicKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const silent = pino({ level: "silent" });
const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));

/** A PR snapshot query like the app's: every signal, through aliases, fragments and variables. */
const SNAPSHOT = /* GraphQL */ `
  query Snapshot($owner: String!, $name: String!, $number: Int!) {
    rateLimit { cost remaining resetAt limit }
    repository(owner: $owner, name: $name) {
      pullRequest(number: $number) {
        number title state isDraft mergeable mergeStateStatus reviewDecision
        createdAt updatedAt closedAt mergedAt merged
        author { __typename login }
        headRefOid headRefName baseRefName additions deletions changedFiles
        autoMergeRequest { enabledAt mergeMethod enabledBy { login } }
        commits(last: 1) {
          totalCount
          nodes { commit { oid committedDate statusCheckRollup { state contexts(first: 100) {
            totalCount
            checkRunCountsByState { state count }
            nodes {
              __typename
              ... on CheckRun { name status conclusion isRequired(pullRequestNumber: $number) }
              ... on StatusContext { context state }
            }
          } } } }
        }
        latestOpinionatedReviews(first: 100) { nodes { state author { login } } }
        reviewThreads(first: 100) { totalCount nodes { isResolved isOutdated } }
        labels(first: 20) { nodes { name } }
        timelineItems(last: 10, itemTypes: [READY_FOR_REVIEW_EVENT, LABELED_EVENT]) { totalCount nodes { __typename ... on ReadyForReviewEvent { createdAt } } }
      }
    }
  }
`;

describe("fake GitHub", () => {
  let gh: FakeGitHub;
  let probot: Probot;

  beforeAll(async () => {
    gh = await startFakeGitHub({ appId: APP_ID, appPublicKey: publicKey, personalTokens: ["ghp_personal"] });
    probot = new Probot({ appId: APP_ID, privateKey, baseUrl: gh.restUrl, Octokit: TestOctokit, log: silent });
  });
  afterAll(async () => {
    await gh.close();
  });
  afterEach(() => {
    gh.faults.clear();
  });

  function seed() {
    const m = gh.model;
    const repo = m.repos.get("acme/widgets") ?? m.addRepo("acme/widgets", { requiredApprovals: 1, requiredChecks: ["build"] });
    const pr = m.openPullRequest(repo, { author: "jules[bot]", title: 'quote " comma, = emoji 🚀 \\', draft: true });
    return { m, repo, pr };
  }

  it("answers the app's snapshot query with values valid against GitHub's schema and true to the model", async () => {
    const { m, repo, pr } = seed();
    const inst = m.installationOf(repo);
    m.markReadyForReview(pr);
    m.completeCheck(pr, "build", "FAILURE");
    m.completeCheck(pr, "build", "SUCCESS"); // a re-run: the latest per name counts
    m.addCheckRun(pr, "lint");
    m.setStatus(pr, "ci/legacy", "ERROR");
    m.submitReview(pr, "alice", "CHANGES_REQUESTED");
    m.submitReview(pr, "bob", "APPROVED");
    m.submitReview(pr, "bob", "COMMENTED"); // a comment does not withdraw an approval
    m.addReviewThread(pr, "alice");
    const resolved = m.addReviewThread(pr, "alice");
    m.resolveThread(pr, resolved);
    m.addLabel(pr, "needs-review");
    m.enableAutoMerge(pr, "alice", "SQUASH");

    const octokit = await probot.auth(inst.id);
    const data = await octokit.graphql<any>(SNAPSHOT, { owner: "acme", name: "widgets", number: pr.number });
    const p = data.repository.pullRequest;
    expect(validate(githubSchema(), parse(SNAPSHOT))).toEqual([]);
    expect(p).toMatchObject({
      number: pr.number,
      title: 'quote " comma, = emoji 🚀 \\',
      state: "OPEN",
      isDraft: false,
      mergeable: "MERGEABLE",
      mergeStateStatus: "BLOCKED",
      reviewDecision: "CHANGES_REQUESTED",
      merged: false,
      closedAt: null,
      author: { __typename: "Bot", login: "jules" },
      headRefOid: m.headSha(pr),
      baseRefName: "main",
      autoMergeRequest: { mergeMethod: "SQUASH", enabledBy: { login: "alice" } },
      reviewThreads: { totalCount: 2, nodes: [{ isResolved: false, isOutdated: false }, { isResolved: true, isOutdated: false }] },
      labels: { nodes: [{ name: "needs-review" }] },
      timelineItems: { totalCount: 2, nodes: [{ __typename: "ReadyForReviewEvent" }, { __typename: "LabeledEvent" }] },
    });
    expect(p.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const rollup = p.commits.nodes[0].commit.statusCheckRollup;
    expect(p.commits.totalCount).toBe(1);
    expect(rollup.state).toBe("FAILURE");
    // Every run is listed, the re-run included (as on GitHub); the state and counts take the latest per name.
    expect(rollup.contexts.nodes).toEqual([
      { __typename: "CheckRun", name: "build", status: "COMPLETED", conclusion: "FAILURE", isRequired: true },
      { __typename: "CheckRun", name: "build", status: "COMPLETED", conclusion: "SUCCESS", isRequired: true },
      { __typename: "CheckRun", name: "lint", status: "IN_PROGRESS", conclusion: null, isRequired: false },
      { __typename: "StatusContext", context: "ci/legacy", state: "ERROR" },
    ]);
    expect(rollup.contexts.checkRunCountsByState).toEqual([
      { state: "SUCCESS", count: 1 },
      { state: "IN_PROGRESS", count: 1 },
    ]);
    expect(p.latestOpinionatedReviews.nodes).toEqual([
      { state: "CHANGES_REQUESTED", author: { login: "alice" } },
      { state: "APPROVED", author: { login: "bob" } },
    ]);
    expect(data.rateLimit).toMatchObject({ cost: 1, limit: 5000 });
    expect(expectedSignals(m, pr).fields).toMatchObject({
      checks_total: 3,
      checks_passing: 1,
      checks_failing: 1,
      checks_pending: 1,
      reviews_approved: 1,
      reviews_changes_requested: 1,
      threads_total: 2,
      threads_unresolved: 1,
      merge_state: "BLOCKED",
      mergeable: true,
      is_draft: false,
      auto_merge_enabled: true,
    });
    expect(expectedSignals(m, pr).tags).toEqual({ repo: "acme/widgets", pr: String(pr.number), author: "jules[bot]" });
  });

  it("refuses a query that is not valid against the schema, as GitHub does (200 with errors)", async () => {
    const { repo } = seed();
    const octokit = await probot.auth(repo.installationId);
    await expect(octokit.graphql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) { noSuchField } } }`)).rejects.toThrow(
      /Cannot query field "noSuchField" on type "PullRequest"/,
    );
    await expect(octokit.graphql(`{ repository(owner: "acme", name: "widgets") { pullRequests { nodes { number } } } }`)).rejects.toThrow(
      /You must provide a `first` or `last` value/,
    );
    await expect(octokit.graphql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 999) { number } } }`)).rejects.toThrow(
      /Could not resolve to a PullRequest with the number of 999/,
    );
    // A field of the real schema the fake does not model is a loud error, never a made-up null.
    await expect(octokit.graphql(`{ repository(owner: "acme", name: "widgets") { pullRequest(number: 1) { viewerCanUpdate } } }`)).rejects.toThrow(
      /does not model PullRequest.viewerCanUpdate/,
    );
  });

  it("reports mergeability UNKNOWN for the configured number of reads after a push, then computes it", async () => {
    const { m, repo, pr } = seed();
    m.markReadyForReview(pr);
    m.unknownReadsAfterPush = 2;
    m.pushCommit(pr);
    m.unknownReadsAfterPush = 0;
    const octokit = await probot.auth(repo.installationId);
    const q = `query($n: Int!) { repository(owner: "acme", name: "widgets") { pullRequest(number: $n) { mergeable mergeStateStatus } } }`;
    const states = [];
    for (let i = 0; i < 3; i++) states.push((await octokit.graphql<any>(q, { n: pr.number })).repository.pullRequest);
    expect(states).toEqual([
      { mergeable: "UNKNOWN", mergeStateStatus: "UNKNOWN" },
      { mergeable: "UNKNOWN", mergeStateStatus: "UNKNOWN" },
      { mergeable: "MERGEABLE", mergeStateStatus: "BLOCKED" },
    ]);
    m.setConflicting(pr, true);
    expect((await octokit.graphql<any>(q, { n: pr.number })).repository.pullRequest).toEqual({ mergeable: "CONFLICTING", mergeStateStatus: "DIRTY" });
  });

  it("pages repository.pullRequests by state with cursors, and reads files with object(expression)", async () => {
    const m = gh.model;
    const repo = m.addRepo("gql/paged");
    m.setFile(repo, ".github/pr-telemetry.yml", "enabled: true\n");
    const made = Array.from({ length: 5 }, () => m.openPullRequest(repo, { author: "erin" }));
    m.merge(made[1]!);
    const octokit = await probot.auth(repo.installationId);
    const q = `query($after: String) {
      repository(owner: "gql", name: "paged") {
        pullRequests(states: OPEN, first: 2, after: $after, orderBy: { field: CREATED_AT, direction: ASC }) {
          totalCount pageInfo { hasNextPage endCursor } nodes { number state }
        }
        file: object(expression: "HEAD:.github/pr-telemetry.yml") { __typename ... on Blob { text } }
        none: object(expression: "HEAD:.github/absent.yml") { __typename }
      }
    }`;
    const numbers: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const data: any = await octokit.graphql(q, { after });
      const conn = data.repository.pullRequests;
      expect(conn.totalCount).toBe(4);
      expect(data.repository.file).toEqual({ __typename: "Blob", text: "enabled: true\n" });
      expect(data.repository.none).toBeNull();
      numbers.push(...conn.nodes.map((n: { number: number; state: string }) => n.number));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(numbers).toEqual([made[0]!, made[2]!, made[3]!, made[4]!].map((p) => p.number));
    await expect(octokit.graphql(`{ repository(owner: "gql", name: ".github") { id } }`)).rejects.toThrow(/Could not resolve to a Repository/);
  });

  it("serves the REST endpoints the app uses, with GitHub's shapes and Link pagination, and counts every request", async () => {
    const m = gh.model;
    const repo = m.addRepo("paged/repo");
    for (let i = 0; i < 5; i++) m.openPullRequest(repo, { author: "carol" });
    const closed = m.openPullRequest(repo, { author: "carol" });
    m.close(closed);
    const fork = m.openPullRequest(repo, { author: "dave", fromFork: true });
    gh.requests.reset();

    const app = await probot.auth();
    const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
    expect(installations.map((i) => i.account?.login)).toContain("paged");
    const octokit = await probot.auth(repo.installationId);
    const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner: "paged", repo: "repo", state: "open", per_page: 2 });
    expect(pulls.map((p) => p.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 7]);
    const one = await octokit.rest.pulls.get({ owner: "paged", repo: "repo", pull_number: fork.number });
    expect(one.data).toMatchObject({ number: fork.number, state: "open", draft: false, merged: false, user: { login: "dave" }, head: { sha: m.headSha(fork) } });
    // The REST pull request carries every key the real one does.
    expect(Object.keys(one.data).sort()).toEqual(expect.arrayContaining(Object.keys(exampleOf("pull_request", "opened")["pull_request"]).sort()));
    const bySha = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner: "paged", repo: "repo", commit_sha: m.headSha(fork) });
    expect(bySha.data.map((p) => p.number)).toEqual([fork.number]);
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    expect(repos.map((r) => r.full_name)).toEqual(["paged/repo"]);
    await expect(octokit.rest.pulls.get({ owner: "acme", name: "widgets", repo: "widgets", pull_number: 1 })).rejects.toMatchObject({ status: 404 }); // another installation's repo

    const counts = gh.requests.byRoute();
    expect(counts).toMatchObject({
      "GET /app/installations": 1,
      "GET /repos/{owner}/{repo}/pulls": 3,
      "GET /repos/{owner}/{repo}/pulls/{number}": 2,
      "GET /repos/{owner}/{repo}/commits/{sha}/pulls": 1,
      "GET /installation/repositories": 1,
    });
    expect(gh.requests.count("POST /app/installations/{id}/access_tokens")).toBeGreaterThanOrEqual(1);
    expect(gh.requests.count("unmatched")).toBe(0);
  });

  it("serves .github/pr-telemetry.yml through Probot's config plugin, and 404s when absent", async () => {
    const m = gh.model;
    const repo = m.addRepo("cfg/has");
    m.setFile(repo, ".github/pr-telemetry.yml", "enabled: false\n");
    m.addRepo("cfg/none");
    const octokit = await probot.auth(repo.installationId);
    const has = await octokit.config.get({ owner: "cfg", repo: "has", path: ".github/pr-telemetry.yml" });
    expect(has.config).toEqual({ enabled: false });
    const none = await octokit.config.get({ owner: "cfg", repo: "none", path: ".github/pr-telemetry.yml" });
    expect(none.config).toEqual({});
  });

  it("refuses forged app JWTs and unknown tokens", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const forger = new Probot({ appId: APP_ID, privateKey: other.privateKey, baseUrl: gh.restUrl, Octokit: TestOctokit, log: silent });
    await expect((await forger.auth()).rest.apps.listInstallations()).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${gh.restUrl}/installation/repositories`, { headers: { authorization: "token ghs_made_up" } });
    expect(res.status).toBe(401);
    const personal = await fetch(`${gh.restUrl}/repos/acme/widgets/pulls/1`, { headers: { authorization: "token ghp_personal" } });
    expect(personal.status).toBe(200);
  });

  it("injects 502s, a secondary rate limit, a 429 and slow answers on demand, then answers normally", async () => {
    const { repo, pr } = seed();
    const octokit = await probot.auth(repo.installationId);
    const get = () => octokit.rest.pulls.get({ owner: "acme", repo: "widgets", pull_number: pr.number });
    const q = () => octokit.graphql(`{ rateLimit { remaining } }`);

    const bad = gh.faults.add({ kind: "bad-gateway", route: "POST /graphql", times: 3 });
    for (let i = 0; i < 3; i++) await expect(q()).rejects.toMatchObject({ status: 502 });
    await expect(q()).resolves.toBeDefined();
    expect(bad.hits).toBe(3);

    gh.faults.add({ kind: "secondary-rate-limit", route: "GET /repos/{owner}/{repo}/pulls/{number}", retryAfterSeconds: 7 });
    const secondary = await get().catch((e: any) => e);
    expect(secondary.status).toBe(403);
    expect(secondary.response.headers["retry-after"]).toBe("7");
    expect(secondary.message).toMatch(/secondary rate limit/);

    gh.faults.add({ kind: "rate-limit", route: /\/pulls\/\d+$/ });
    const limited = await get().catch((e: any) => e);
    expect(limited.status).toBe(429);
    expect(limited.response.headers["x-ratelimit-remaining"]).toBe("0");
    expect(limited.response.headers["retry-after"]).toBe("1");

    gh.faults.add({ kind: "slow", route: "GET /repos/{owner}/{repo}/pulls/{number}", delayMs: 300 });
    const t0 = Date.now();
    await expect(get()).resolves.toMatchObject({ status: 200 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await expect(get()).resolves.toMatchObject({ status: 200 });
    expect(gh.requests.select("POST /graphql").filter((r) => r.fault === "bad-gateway")).toHaveLength(3);
  });

  it("builds webhook payloads from the model that a Probot app verifies and receives; a forged signature is refused", async () => {
    const { m, pr } = seed();
    const payloads = new WebhookPayloads(m);
    const run = m.completeCheck(pr, "build", "SUCCESS");
    const review = m.submitReview(pr, "alice", "APPROVED");
    const thread = m.addReviewThread(pr, "alice");
    m.resolveThread(pr, thread, "jules[bot]");
    const status = m.setStatus(pr, "ci/legacy", "SUCCESS");
    const deliveries = [
      payloads.pullRequest(pr, "opened"),
      payloads.pullRequest(pr, "synchronize"),
      payloads.pullRequestReview(pr, review),
      payloads.reviewThread(pr, thread, "resolved"),
      payloads.checkRun(pr, run),
      payloads.checkSuite(pr, run),
      payloads.status(pr, status),
    ];
    const example = exampleOf("pull_request", "opened")["pull_request"] as Record<string, unknown>;
    expect(Object.keys(deliveries[0]!.payload["pull_request"] as object)).toEqual(expect.arrayContaining(Object.keys(example)));

    const received: Array<{ name: string; id: string; payload: any }> = [];
    const server = new Server({
      Probot: Probot.defaults({ appId: APP_ID, privateKey, secret: "s3cret", baseUrl: gh.restUrl, Octokit: TestOctokit, log: silent }),
      // Server treats port 0 as "unset" (3000), so listen on a free port picked first.
      port: await freePort(),
      host: "127.0.0.1",
      log: silent,
    });
    await server.load((app) => {
      app.onAny(async (e) => {
        received.push({ name: e.name, id: e.id, payload: e.payload });
      });
    });
    const http = await server.start();
    const sender = new WebhookSender({ appUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, secret: "s3cret" });
    try {
      for (const d of deliveries) expect((await sender.send(d)).status).toBe(200);
      expect((await sender.send(payloads.pullRequest(pr, "edited"), { secret: "wrong" })).status).toBe(400);
      expect(received.map((r) => `${r.name}.${r.payload.action ?? ""}`)).toEqual([
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request_review.submitted",
        "pull_request_review_thread.resolved",
        "check_run.completed",
        "check_suite.completed",
        "status.",
      ]);
      expect(received.map((r) => r.id)).toEqual(deliveries.map((d) => d.id));
      expect(received[0]!.payload).toMatchObject({ installation: { id: pr.repo.installationId }, pull_request: { number: pr.number, user: { login: "jules[bot]", type: "Bot" } } });
      expect(received[4]!.payload.check_run).toMatchObject({ name: "build", status: "completed", conclusion: "success", head_sha: m.headSha(pr), pull_requests: [{ number: pr.number }] });
      expect(received[6]!.payload).toMatchObject({ sha: m.headSha(pr), state: "success", context: "ci/legacy" });
    } finally {
      sender.close();
      await server.stop();
    }
  });
});

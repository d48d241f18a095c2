import { isDeepStrictEqual } from "node:util";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubError } from "../../src/errors.js";
import { fetchSnapshots, MAX_TARGETS_PER_QUERY, snapshotKey } from "../../src/github/fetch-snapshots.js";
import type { GraphqlFn } from "../../src/github/graphql-client.js";
import type { PullRequestSnapshot } from "../../src/github/pr-snapshot.js";
import { CHECK_CONTEXTS_PAGE_QUERY } from "../../src/github/queries/check-contexts-page.js";
import { OPINIONATED_REVIEWS_PAGE_QUERY } from "../../src/github/queries/opinionated-reviews-page.js";
import { buildSnapshotQuery } from "../../src/github/queries/pull-request-snapshot.js";
import { REVIEW_THREADS_PAGE_QUERY } from "../../src/github/queries/review-threads-page.js";
import { observe } from "../../src/signals/observe.js";
import { loadSnapshot } from "../signals/load-snapshot.js";

const TestOctokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
  ...o,
  retry: { enabled: false },
  throttle: { enabled: false },
}));
const TOKEN = "ghs_testtoken0000000000000000000000000000";
let graphql: GraphqlFn;
let scope: nock.Scope;
const now = new Date("2026-02-05T09:00:00.000Z");

beforeEach(() => {
  graphql = new TestOctokit({ auth: { token: TOKEN } }).graphql as GraphqlFn;
  scope = nock("https://api.github.com");
});

afterEach(() => {
  const pending = scope.pendingMocks();
  nock.cleanAll(); // before asserting, so a failed test leaves no interceptor to the next one
  expect(pending).toEqual([]);
});

interface GraphqlBody {
  query: string;
  variables: Record<string, unknown>;
}

/** Expects one POST /graphql whose query and variables are exactly these. */
function expectQuery(query: string, variables: Record<string, unknown>) {
  return scope.post(
    "/graphql",
    (body: GraphqlBody) => body.query === query && isDeepStrictEqual(body.variables, variables),
  );
}

const core = (number: number) => ({ owner: "dappcore", repo: "core", number });
const php = (number: number) => ({ owner: "dappcore", repo: "core-php", number });

describe("fetchSnapshots", () => {
  it("maps one aliased query over 2 repositories x 2 pull requests back to each key", async () => {
    const a = loadSnapshot("pr-open-blocked-mixed-checks");
    const d = loadSnapshot("pr-merged-bot");
    const c = loadSnapshot("pr-conflicting");
    const b = { ...loadSnapshot("pr-draft-unknown-no-checks"), repository: { nameWithOwner: "dappcore/core-php" } };
    const targets = [core(315), php(307), core(291), php(318)];
    const { query } = buildSnapshotQuery(targets);
    expectQuery(query, { o0: "dappcore", n0: "core", p0: 315, o1: "dappcore", n1: "core-php", p1: 307, p2: 291, p3: 318 })
      .matchHeader("authorization", `token ${TOKEN}`)
      .reply(200, { data: { r0: { p0: a, p2: d }, r1: { p1: c, p3: b } } });

    const snapshots = await fetchSnapshots(graphql, targets);

    expect([...snapshots.keys()]).toEqual(["dappcore/core#315", "dappcore/core-php#307", "dappcore/core#291", "dappcore/core-php#318"]);
    expect(snapshots.get("dappcore/core#315")).toStrictEqual(a);
    expect(snapshots.get("dappcore/core-php#307")).toStrictEqual(c);
    expect(snapshots.get("dappcore/core#291")).toStrictEqual(d);
    expect(snapshots.get("dappcore/core-php#318")).toStrictEqual(b);
    // the hostile branch name came through JSON untouched
    expect(snapshots.get("dappcore/core#315")?.headRefName).toBe('feat/"quoted",comma=eq sign\nnew line 🚀\\');
  });

  it("answers null for a PR or a repository GitHub reports NOT_FOUND (after asking each alone once), and keeps the others", async () => {
    const a = loadSnapshot("pr-open-blocked-mixed-checks");
    const targets = [core(315), core(999), { owner: "dappcore", repo: "gone", number: 1 }];
    const { query, variables } = buildSnapshotQuery(targets);
    const prNotFound = (number: number, path: string[]) => ({
      type: "NOT_FOUND",
      path,
      locations: [{ line: 4, column: 5 }],
      message: `Could not resolve to a PullRequest with the number of ${number}.`,
    });
    const repoNotFound = {
      type: "NOT_FOUND",
      path: ["r0"],
      locations: [{ line: 6, column: 3 }],
      message: "Could not resolve to a Repository with the name 'dappcore/gone'.",
    };
    expectQuery(query, variables).reply(200, {
      data: { r0: { p0: a, p1: null }, r1: null },
      errors: [prNotFound(999, ["r0", "p1"]), { ...repoNotFound, path: ["r1"] }],
    });
    const alone999 = buildSnapshotQuery([core(999)]);
    expectQuery(alone999.query, alone999.variables).reply(200, { data: { r0: { p0: null } }, errors: [prNotFound(999, ["r0", "p0"])] });
    const aloneGone = buildSnapshotQuery([targets[2]!]);
    expectQuery(aloneGone.query, aloneGone.variables).reply(200, { data: { r0: null }, errors: [repoNotFound] });
    const dropped: string[][] = [];

    const snapshots = await fetchSnapshots(graphql, targets, (key, reason) => dropped.push([key, reason]));

    expect(snapshots.get("dappcore/core#315")).toStrictEqual(a);
    expect(snapshots.get("dappcore/core#999")).toBeNull();
    expect(snapshots.get("dappcore/gone#1")).toBeNull();
    expect(snapshots.size).toBe(3);
    expect(dropped).toEqual([
      ["dappcore/core#999", "NOT_FOUND: Could not resolve to a PullRequest with the number of 999."],
      ["dappcore/gone#1", "NOT_FOUND: Could not resolve to a Repository with the name 'dappcore/gone'."],
    ]);
  });

  it("keeps the other PRs when one is FORBIDDEN inside the query, and drops that one after asking it alone", async () => {
    const targets = [core(315), php(307)];
    const { query, variables } = buildSnapshotQuery(targets);
    const forbidden = {
      type: "FORBIDDEN",
      path: ["r0", "p0", "commits", "nodes", 0, "commit", "statusCheckRollup"],
      extensions: { saml_failure: false },
      locations: [{ line: 30, column: 9 }],
      message: "Resource not accessible by integration",
    };
    const c = loadSnapshot("pr-conflicting");
    expectQuery(query, variables).reply(200, { data: { r0: { p0: null }, r1: { p1: c } }, errors: [forbidden] });
    const alone = buildSnapshotQuery([core(315)]);
    expectQuery(alone.query, alone.variables).reply(200, { data: { r0: { p0: null } }, errors: [forbidden] });
    const dropped: string[][] = [];

    const snapshots = await fetchSnapshots(graphql, targets, (key, reason) => dropped.push([key, reason]));

    expect(snapshots.get("dappcore/core-php#307")).toStrictEqual(c);
    expect(snapshots.get("dappcore/core#315")).toBeNull();
    expect(dropped).toEqual([
      [
        "dappcore/core#315",
        "FORBIDDEN: Resource not accessible by integration (the app lacks read access to pull requests, checks or commit statuses; accept the updated permissions on the installation)",
      ],
    ]);
  });

  it("one bad PR (number 999999) does not block the batch; one NOT_FOUND a moment ago is found when asked alone", async () => {
    const a = loadSnapshot("pr-open-blocked-mixed-checks");
    const d = loadSnapshot("pr-merged-bot");
    const fresh = loadSnapshot("pr-conflicting");
    const targets = [core(315), core(999999), core(291), php(307)];
    const { query, variables } = buildSnapshotQuery(targets);
    const notFound = (number: number, path: string[]) => ({
      type: "NOT_FOUND",
      path,
      locations: [{ line: 5, column: 5 }],
      message: `Could not resolve to a PullRequest with the number of ${number}.`,
    });
    // GitHub's answer: data for every alias, null for the ones an error hit.
    expectQuery(query, variables).reply(200, {
      data: { r0: { p0: a, p1: null, p2: d }, r1: { p3: null } },
      errors: [notFound(999999, ["r0", "p1"]), notFound(307, ["r1", "p3"])],
    });
    const alone999999 = buildSnapshotQuery([core(999999)]);
    expectQuery(alone999999.query, alone999999.variables).reply(200, { data: { r0: { p0: null } }, errors: [notFound(999999, ["r0", "p0"])] });
    const alone307 = buildSnapshotQuery([php(307)]);
    expectQuery(alone307.query, alone307.variables).reply(200, { data: { r0: { p0: fresh } } });
    const dropped: string[][] = [];

    const snapshots = await fetchSnapshots(graphql, targets, (key, reason) => dropped.push([key, reason]));

    expect(snapshots.get("dappcore/core#315")).toStrictEqual(a);
    expect(snapshots.get("dappcore/core#291")).toStrictEqual(d);
    expect(snapshots.get("dappcore/core-php#307")).toStrictEqual(fresh);
    expect(snapshots.get("dappcore/core#999999")).toBeNull();
    expect(dropped).toEqual([["dappcore/core#999999", "NOT_FOUND: Could not resolve to a PullRequest with the number of 999999."]]);
  });

  it("a renamed or transferred repository fails only its own PRs", async () => {
    const c = loadSnapshot("pr-conflicting");
    const targets = [{ owner: "dappcore", repo: "old-name", number: 4 }, { owner: "dappcore", repo: "old-name", number: 5 }, php(307)];
    const { query, variables } = buildSnapshotQuery(targets);
    const renamed = { type: "NOT_FOUND", path: ["r0"], locations: [{ line: 2, column: 3 }], message: "Could not resolve to a Repository with the name 'dappcore/old-name'." };
    expectQuery(query, variables).reply(200, { data: { r0: null, r1: { p2: c } }, errors: [renamed] });
    for (const t of targets.slice(0, 2)) {
      const alone = buildSnapshotQuery([t]);
      expectQuery(alone.query, alone.variables).reply(200, { data: { r0: null }, errors: [renamed] });
    }
    const dropped: string[] = [];

    const snapshots = await fetchSnapshots(graphql, targets, (key) => dropped.push(key));

    expect(snapshots.get("dappcore/core-php#307")).toStrictEqual(c);
    expect(dropped).toEqual(["dappcore/old-name#4", "dappcore/old-name#5"]);
  });

  it("a variable GitHub cannot coerce (no path, no data) is pinned on its PR through the variable's name", async () => {
    const a = loadSnapshot("pr-open-blocked-mixed-checks");
    const targets = [core(315), core(3_000_000_000)];
    const { query, variables } = buildSnapshotQuery(targets);
    const coercion = (v: string) => ({
      extensions: { value: 3_000_000_000, problems: [{ path: [], explanation: "Could not coerce value 3000000000 to Int" }] },
      locations: [{ line: 1, column: 80 }],
      message: `Variable $${v} of type Int! was provided invalid value`,
    });
    expectQuery(query, variables).reply(200, { errors: [coercion("p1")] });
    const alone = buildSnapshotQuery([core(3_000_000_000)]);
    expectQuery(alone.query, alone.variables).reply(200, { errors: [coercion("p0")] });
    // The first answer had no data at all: the rest of the query is asked again without the bad one.
    const alone315 = buildSnapshotQuery([core(315)]);
    expectQuery(alone315.query, alone315.variables).reply(200, { data: { r0: { p0: a } } });
    const dropped: string[][] = [];

    const snapshots = await fetchSnapshots(graphql, targets, (key, reason) => dropped.push([key, reason]));

    expect(snapshots.get("dappcore/core#315")).toStrictEqual(a);
    expect(dropped).toEqual([["dappcore/core#3000000000", "Variable $p0 of type Int! was provided invalid value"]]);
  });

  it("a transport failure while asking the refused PR alone still fails the request (the caller retries it, as any 502)", async () => {
    const targets = [core(315), php(307)];
    const { query, variables } = buildSnapshotQuery(targets);
    const forbidden = { type: "FORBIDDEN", path: ["r0", "p0"], locations: [{ line: 3, column: 5 }], message: "Resource not accessible by integration" };
    expectQuery(query, variables).reply(200, { data: { r0: { p0: null }, r1: { p1: loadSnapshot("pr-conflicting") } }, errors: [forbidden] });
    const alone = buildSnapshotQuery([core(315)]);
    expectQuery(alone.query, alone.variables).reply(502, { message: "Server Error" });
    const dropped: string[] = [];

    const error = (await fetchSnapshots(graphql, targets, (key) => dropped.push(key)).catch((e: unknown) => e)) as GitHubError;

    expect(error).toBeInstanceOf(GitHubError);
    expect(error.status).toBe(502);
    expect(dropped).toEqual([]);
  });

  it("throws naming every PR of the query when an error has no path (e.g. the node limit)", async () => {
    const targets = [core(1), core(2)];
    const { query, variables } = buildSnapshotQuery(targets);
    expectQuery(query, variables).reply(200, {
      errors: [
        {
          type: "MAX_NODE_LIMIT_EXCEEDED",
          message: "This query requests up to 600,000 possible nodes which exceeds the maximum limit of 500,000.",
        },
      ],
    });
    const error = (await fetchSnapshots(graphql, targets).catch((e: unknown) => e)) as GitHubError;
    expect(error).toBeInstanceOf(GitHubError);
    expect(error.message).toBe(
      "could not fetch the snapshot of dappcore/core#1, dappcore/core#2: MAX_NODE_LIMIT_EXCEEDED: This query requests up to 600,000 possible nodes which exceeds the maximum limit of 500,000. (the query asks for too many nodes: ask for fewer at once, with a smaller page or a lower MAX_TARGETS_PER_QUERY for snapshots)",
    );
    expect(error).toMatchObject({ targets: ["dappcore/core#1", "dappcore/core#2"], status: 0, errorTypes: ["MAX_NODE_LIMIT_EXCEEDED"] });
  });

  it("maps an HTTP failure (after Probot's retries) to a GitHubError with the status, never the token", async () => {
    const targets = [core(315)];
    const { query, variables } = buildSnapshotQuery(targets);
    expectQuery(query, variables).reply(502, { message: "Server Error" });

    const error = (await fetchSnapshots(graphql, targets).catch((e: unknown) => e)) as GitHubError;

    expect(error).toBeInstanceOf(GitHubError);
    expect(error.status).toBe(502);
    expect(error.targets).toEqual(["dappcore/core#315"]);
    expect(error.message).toBe("could not fetch the snapshot of dappcore/core#315: GitHub answered 502 after retries; the snapshot is fetched again on the next event or sweep");
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(TOKEN);
  });

  it("maps 401 to a hint about the app's credentials", async () => {
    const targets = [core(315)];
    const { query, variables } = buildSnapshotQuery(targets);
    expectQuery(query, variables).reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" });
    const error = (await fetchSnapshots(graphql, targets).catch((e: unknown) => e)) as GitHubError;
    expect(error).toBeInstanceOf(GitHubError);
    expect(error.message).toBe("could not fetch the snapshot of dappcore/core#315: unauthorized (401): check APP_ID and PRIVATE_KEY, or GITHUB_TOKEN");
    expect(error).toMatchObject({ status: 401, targets: ["dappcore/core#315"], detail: { githubMessage: "Bad credentials - https://docs.github.com/graphql" } });
  });

  it("follows every connection longer than a page, so the counts are those of the whole list", async () => {
    const whole = loadSnapshot("pr-open-blocked-mixed-checks");
    const rollup = whole.commits.nodes?.[0]?.commit.statusCheckRollup;
    if (!rollup) throw new Error("fixture has a rollup");
    const contexts = rollup.contexts.nodes ?? [];
    const threads = whole.reviewThreads.nodes ?? [];
    const reviews = whole.latestOpinionatedReviews?.nodes ?? [];
    const more = (endCursor: string) => ({ hasNextPage: true, endCursor });
    const last = { hasNextPage: false, endCursor: "end" };

    // GitHub's first page: 6 of 11 contexts, 2 of 5 threads, 3 of 4 reviews.
    const firstPage: PullRequestSnapshot = structuredClone(whole);
    const head = firstPage.commits.nodes?.[0]?.commit;
    if (!head?.statusCheckRollup) throw new Error("fixture has a rollup");
    head.statusCheckRollup.contexts = { pageInfo: more("ctx-1"), nodes: contexts.slice(0, 6) };
    firstPage.reviewThreads = { totalCount: 5, pageInfo: more("thr-1"), nodes: threads.slice(0, 2) };
    firstPage.latestOpinionatedReviews = { pageInfo: more("rev-1"), nodes: reviews.slice(0, 3) };

    const targets = [core(315)];
    const { query, variables } = buildSnapshotQuery(targets);
    expectQuery(query, variables).reply(200, { data: { r0: { p0: firstPage } } });
    expectQuery(CHECK_CONTEXTS_PAGE_QUERY, { id: rollup.id, after: "ctx-1" }).reply(200, {
      data: { node: { contexts: { pageInfo: last, nodes: contexts.slice(6) } } },
    });
    expectQuery(REVIEW_THREADS_PAGE_QUERY, { id: whole.id, after: "thr-1" }).reply(200, {
      data: { node: { reviewThreads: { totalCount: 5, pageInfo: more("thr-2"), nodes: threads.slice(2, 4) } } },
    });
    expectQuery(REVIEW_THREADS_PAGE_QUERY, { id: whole.id, after: "thr-2" }).reply(200, {
      data: { node: { reviewThreads: { totalCount: 5, pageInfo: last, nodes: threads.slice(4) } } },
    });
    expectQuery(OPINIONATED_REVIEWS_PAGE_QUERY, { id: whole.id, after: "rev-1" }).reply(200, {
      data: { node: { latestOpinionatedReviews: { pageInfo: last, nodes: reviews.slice(3) } } },
    });

    const snapshot = (await fetchSnapshots(graphql, targets)).get("dappcore/core#315");

    expect(snapshot).toBeDefined();
    expect(observe(snapshot as PullRequestSnapshot, now)).toStrictEqual(observe(whole, now));
    expect(snapshot?.reviewThreads.nodes).toStrictEqual(threads);
    expect(snapshot?.reviewThreads.pageInfo).toStrictEqual(last);
  });

  it("drops a PR whose follow-up page fails twice, naming GitHub's message", async () => {
    const firstPage = loadSnapshot("pr-conflicting");
    firstPage.reviewThreads.pageInfo = { hasNextPage: true, endCursor: "thr-1" };
    const targets = [php(307)];
    const { query, variables } = buildSnapshotQuery(targets);
    const gone = { data: { node: null }, errors: [{ type: "NOT_FOUND", path: ["node"], message: "Could not resolve to a node with the global id of 'PR_kwDOLc0rSs5nGq7C'" }] };
    expectQuery(query, variables).times(2).reply(200, { data: { r0: { p0: firstPage } } });
    expectQuery(REVIEW_THREADS_PAGE_QUERY, { id: firstPage.id, after: "thr-1" }).times(2).reply(200, gone);
    const dropped: string[][] = [];
    expect((await fetchSnapshots(graphql, targets, (key, reason) => dropped.push([key, reason]))).get("dappcore/core-php#307")).toBeNull();
    expect(dropped).toHaveLength(1);
    expect(dropped[0]![1]).toBe(
      "could not fetch the snapshot of dappcore/core-php#307: NOT_FOUND: Could not resolve to a node with the global id of 'PR_kwDOLc0rSs5nGq7C'; the snapshot is fetched again on the next event or sweep",
    );
  });

  it(`asks ${MAX_TARGETS_PER_QUERY} PRs a query at most, and a PR asked twice (any casing) once`, async () => {
    const targets = Array.from({ length: 30 }, (_, i) => core(i + 1));
    targets.push({ owner: "DappCore", repo: "Core", number: 1 });
    const seen: number[] = [];
    scope
      .post("/graphql")
      .times(2)
      .reply(200, (_uri, body) => {
        const { variables } = body as GraphqlBody;
        const prs = Object.keys(variables).filter((k) => k.startsWith("p"));
        seen.push(prs.length);
        // every PR of this query: NOT_FOUND-free null answers are fine for counting requests
        return { data: { r0: Object.fromEntries(prs.map((p) => [p, null])) } };
      });

    const snapshots = await fetchSnapshots(graphql, targets);

    expect(seen).toEqual([25, 5]);
    expect(snapshots.size).toBe(31);
    expect(snapshots.has("DappCore/Core#1")).toBe(true);
    expect(snapshots.get(snapshotKey(core(30)))).toBeNull();
  });

  it("sends hostile owner and repository names intact, as variables", async () => {
    const hostile = { owner: 'we"ird,o=wner \n🚀\\', repo: "r}{ep", number: 5 };
    scope
      .post("/graphql", (body: GraphqlBody) => body.variables["o0"] === hostile.owner && body.variables["n0"] === hostile.repo)
      .reply(200, { data: { r0: { p0: null } } });
    const snapshots = await fetchSnapshots(graphql, [hostile]);
    expect([...snapshots]).toEqual([[`${hostile.owner}/${hostile.repo}#5`, null]]);
  });

  it("asks nothing for no targets", async () => {
    expect((await fetchSnapshots(graphql, [])).size).toBe(0);
  });
});

import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { graphql, parse, type GraphQLFieldResolver, type OperationDefinitionNode } from "graphql";
import { Budget, graphqlCost, type BudgetBreach, type BudgetOptions } from "./budget.js";
import { Faults, type ActiveFault } from "./faults.js";
import { githubSchema } from "./github-schema.js";
import { queryRoot, type GraphqlContext } from "./graphql-views.js";
import { GitHubModel, type FakeInstallation, type FakeRepo, type GitHubModelOptions } from "./model.js";
import { RequestLog } from "./request-log.js";
import { restInstallation, restPull, restRepo } from "./rest-shapes.js";

export interface FakeGitHubOptions extends GitHubModelOptions {
  /** The model to serve (a new empty one by default). */
  model?: GitHubModel;
  /** The GitHub App's id: the JWT's `iss` must equal it when given. */
  appId?: number;
  /** The app's public key (PEM or KeyObject): app JWTs are verified with it when given. */
  appPublicKey?: string | KeyObject;
  /** Tokens (like a GITHUB_TOKEN) that reach every repository without an installation. */
  personalTokens?: string[];
  /** Rate limit budget per token per hour (x-ratelimit-limit). Default 5000. */
  rateLimit?: number;
  /**
   * Enforce GitHub's budget rules (./budget.ts): GraphQL cost per query, points per hour per
   * installation, secondary limits (concurrency, GraphQL points a minute). Off by default: the
   * other tests count requests, not points.
   */
  budget?: BudgetOptions | true;
}

export interface FakeGitHub {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  /** `127.0.0.1:PORT`: the app's GHE_HOST (with GHE_PROTOCOL=http). */
  host: string;
  port: number;
  /** REST base URL (what Probot's baseUrl becomes): http://127.0.0.1:PORT/api/v3 */
  restUrl: string;
  /** GraphQL endpoint: http://127.0.0.1:PORT/api/graphql */
  graphqlUrl: string;
  /** Env variables that point a Probot app at this fake. */
  env: { GHE_HOST: string; GHE_PROTOCOL: "http" };
  model: GitHubModel;
  requests: RequestLog;
  faults: Faults;
  /** Installation tokens issued so far. */
  tokens: Map<string, { installationId: number | undefined; expiresAt: Date }>;
  /** The budget being enforced (with `budget`): points used per installation, breaches. */
  budget: Budget | undefined;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  /** Sent as is (raw file content) instead of JSON. */
  text?: string;
  headers?: Record<string, string>;
}

interface RequestState {
  req: IncomingMessage;
  url: URL;
  body: unknown;
  installationId: number | undefined;
  /** A personal token: every repository. */
  allRepos: boolean;
  graphqlFields?: string[];
}

type Handler = (s: RequestState, params: Record<string, string>) => Reply | Promise<Reply>;

const DOCS = "https://docs.github.com/rest";

const notFound = (): Reply => ({ status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } });

/**
 * Starts the fake GitHub on 127.0.0.1 with a free port. Point a Probot app at it with
 * `GHE_HOST=fake.host GHE_PROTOCOL=http` (REST under /api/v3, GraphQL at /api/graphql).
 * GraphQL queries are executed with graphql-js against GitHub's real schema, so every answer is
 * valid against it by construction and any query the app writes works if the model has the data.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const model = options.model ?? new GitHubModel(options);
  const requests = new RequestLog();
  const faults = new Faults();
  const tokens = new Map<string, { installationId: number | undefined; expiresAt: Date }>();
  const publicKey = options.appPublicKey === undefined ? undefined : typeof options.appPublicKey === "string" ? createPublicKey(options.appPublicKey) : options.appPublicKey;
  const rateLimit = options.rateLimit ?? 5000;
  const used = new Map<string, number>();
  const resetAt = new Date(Date.now() + 3600_000);
  const schema = githubSchema();
  const budget = options.budget ? new Budget(options.budget === true ? {} : options.budget) : undefined;
  let baseUrl = "";

  const routes: Array<{ method: string; pattern: string; regex: RegExp; keys: string[]; auth: "app" | "token" | "none"; handler: Handler }> = [];
  const route = (method: string, pattern: string, auth: "app" | "token" | "none", handler: Handler) => {
    const keys: string[] = [];
    // {path+} matches the rest of the path, slashes included (contents paths).
    const regex = new RegExp(
      "^" +
        pattern.replace(/\{(\w+)(\+?)\}/g, (_m, key: string, plus: string) => {
          keys.push(key);
          return plus ? "(.+)" : "([^/]+)";
        }) +
        "$",
    );
    routes.push({ method, pattern: pattern.replace("+}", "}"), regex, keys, auth, handler });
  };

  const repoFor = (s: RequestState, owner: string, name: string): FakeRepo | undefined => {
    const repo = model.repos.get(`${owner}/${name}`);
    if (!repo) return undefined;
    // GitHub answers 404 for a repository the installation cannot see.
    if (!s.allRepos && repo.installationId !== s.installationId) return undefined;
    return repo;
  };

  const paginate = <T>(s: RequestState, items: T[]): { page: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(100, Math.max(1, Number(s.url.searchParams.get("per_page") ?? 30)));
    const pageNo = Math.max(1, Number(s.url.searchParams.get("page") ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(s.url.pathname + s.url.search, baseUrl);
      u.searchParams.set("page", String(p));
      u.searchParams.set("per_page", String(perPage));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (pageNo > 1) links.push(link(pageNo - 1, "prev"), link(1, "first"));
    if (pageNo < last) links.push(link(pageNo + 1, "next"), link(last, "last"));
    return { page: items.slice((pageNo - 1) * perPage, pageNo * perPage), headers: links.length ? { link: links.join(", ") } : {} };
  };

  // ---- App (JWT) endpoints ----
  route("POST", "/api/v3/app/installations/{id}/access_tokens", "app", (_s, p) => {
    const inst = model.installations.get(Number(p["id"]));
    if (!inst) return notFound();
    const token = `ghs_${randomBytes(18).toString("base64url")}`;
    const expiresAt = new Date(Date.now() + 3600_000);
    tokens.set(token, { installationId: inst.id, expiresAt });
    return {
      status: 201,
      body: {
        token,
        expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: restInstallation(inst, options.appId ?? 1)["permissions"],
        repository_selection: "all",
      },
    };
  });
  route("GET", "/api/v3/app/installations", "app", (s) => {
    const { page, headers } = paginate(s, [...model.installations.values()]);
    return { status: 200, body: page.map((i: FakeInstallation) => restInstallation(i, options.appId ?? 1)), headers };
  });
  route("GET", "/api/v3/app/installations/{id}", "app", (_s, p) => {
    const inst = model.installations.get(Number(p["id"]));
    return inst ? { status: 200, body: restInstallation(inst, options.appId ?? 1) } : notFound();
  });
  route("GET", "/api/v3/repos/{owner}/{repo}/installation", "app", (_s, p) => {
    const repo = model.repos.get(`${p["owner"]}/${p["repo"]}`);
    return repo ? { status: 200, body: restInstallation(model.installationOf(repo), options.appId ?? 1) } : notFound();
  });

  // ---- Installation (token) endpoints ----
  route("GET", "/api/v3/installation/repositories", "token", (s) => {
    const repos = [...model.repos.values()].filter((r) => s.allRepos || r.installationId === s.installationId);
    const { page, headers } = paginate(s, repos);
    return { status: 200, body: { total_count: repos.length, repository_selection: "all", repositories: page.map(restRepo) }, headers };
  });
  route("GET", "/api/v3/repos/{owner}/{repo}", "token", (s, p) => {
    const repo = repoFor(s, p["owner"]!, p["repo"]!);
    return repo ? { status: 200, body: restRepo(repo) } : notFound();
  });
  route("GET", "/api/v3/repos/{owner}/{repo}/pulls", "token", (s, p) => {
    const repo = repoFor(s, p["owner"]!, p["repo"]!);
    if (!repo) return notFound();
    const state = s.url.searchParams.get("state") ?? "open";
    const sort = s.url.searchParams.get("sort") ?? "created";
    const direction = s.url.searchParams.get("direction") ?? (sort === "created" ? "desc" : "asc");
    const base = s.url.searchParams.get("base");
    let prs = [...repo.pulls.values()].filter(
      (pr) => (state === "all" || (state === "open" ? pr.state === "OPEN" : pr.state !== "OPEN")) && (!base || pr.baseRef === base),
    );
    const key = sort === "updated" ? (x: typeof prs[number]) => x.updatedAt.getTime() : (x: typeof prs[number]) => x.createdAt.getTime() * 1e4 + x.number;
    prs = prs.sort((a, b) => key(a) - key(b));
    if (direction === "desc") prs.reverse();
    const { page, headers } = paginate(s, prs);
    return { status: 200, body: page.map((pr) => restPull(model, pr, false)), headers };
  });
  route("GET", "/api/v3/repos/{owner}/{repo}/pulls/{number}", "token", (s, p) => {
    const repo = repoFor(s, p["owner"]!, p["repo"]!);
    const pr = repo?.pulls.get(Number(p["number"]));
    return pr ? { status: 200, body: restPull(model, pr, true) } : notFound();
  });
  route("GET", "/api/v3/repos/{owner}/{repo}/commits/{sha}/pulls", "token", (s, p) => {
    const repo = repoFor(s, p["owner"]!, p["repo"]!);
    if (!repo) return notFound();
    const { page, headers } = paginate(s, model.pullsForSha(repo, p["sha"]!));
    return { status: 200, body: page.map((pr) => restPull(model, pr, false)), headers };
  });
  route("GET", "/api/v3/repos/{owner}/{repo}/git/commits/{sha}", "token", (s, p) => {
    const repo = repoFor(s, p["owner"]!, p["repo"]!);
    const commit = repo && [...repo.pulls.values()].flatMap((pr) => [...pr.commits, ...pr.formerCommits]).find((c) => c.oid === p["sha"]);
    if (!repo || !commit) return notFound();
    const url = `${baseUrl}/api/v3/repos/${repo.fullName}/git/commits/${commit.oid}`;
    const person = { name: commit.author.login, email: `${commit.author.id}+${commit.author.login}@users.noreply.github.com`, date: commit.committedDate.toISOString().replace(/\.\d{3}Z$/, "Z") };
    return {
      status: 200,
      body: {
        sha: commit.oid,
        node_id: Buffer.from(`06:Commit${commit.oid}`).toString("base64"),
        url,
        html_url: `https://github.com/${repo.fullName}/commit/${commit.oid}`,
        author: person,
        committer: person,
        message: commit.message,
        tree: { sha: "0".repeat(40), url: `${baseUrl}/api/v3/repos/${repo.fullName}/git/trees/${"0".repeat(40)}` },
        parents: commit.parents.map((sha) => ({ sha, url: `${baseUrl}/api/v3/repos/${repo.fullName}/git/commits/${sha}`, html_url: `https://github.com/${repo.fullName}/commit/${sha}` })),
        verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
      },
    };
  });
  route("GET", "/api/v3/repos/{owner}/{repo}/contents/{path+}", "token", (s, p) => {
    const repo = repoFor(s, p["owner"]!, p["repo"]!);
    const path = decodeURIComponent(p["path"]!);
    const content = repo?.files.get(path);
    if (!repo || content === undefined) return notFound();
    const accept = s.req.headers["accept"] ?? "";
    if (accept.includes("raw")) return { status: 200, text: content, headers: { "content-type": "text/plain; charset=utf-8" } };
    const api = `${baseUrl}/repos/${repo.fullName}/contents/${path}`;
    return {
      status: 200,
      body: {
        type: "file",
        encoding: "base64",
        size: Buffer.byteLength(content),
        name: path.split("/").pop(),
        path,
        content: Buffer.from(content).toString("base64"),
        sha: "0".repeat(40),
        url: api,
        git_url: null,
        html_url: `https://github.com/${repo.fullName}/blob/${repo.defaultBranch}/${path}`,
        download_url: null,
        _links: { self: api, git: null, html: null },
      },
    };
  });
  route("GET", "/api/v3/rate_limit", "token", (s) => {
    const key = s.allRepos ? "personal" : String(s.installationId);
    const u = used.get(key) ?? 0;
    const bucket = { limit: rateLimit, used: u, remaining: rateLimit - u, reset: Math.floor(resetAt.getTime() / 1000) };
    return { status: 200, body: { resources: { core: bucket, graphql: bucket, search: { ...bucket, limit: 30, remaining: 30, used: 0 } }, rate: bucket } };
  });

  // ---- GraphQL ----
  const fieldResolver: GraphQLFieldResolver<any, GraphqlContext> = (source, args, ctx, info) => {
    if (source == null || !(info.fieldName in source)) {
      throw new Error(
        `the fake GitHub does not model ${info.parentType.name}.${info.fieldName}; add it to test/helpers/fake-github/graphql-views.ts`,
      );
    }
    const value = source[info.fieldName];
    return typeof value === "function" ? value.call(source, args, ctx, info) : value;
  };
  route("POST", "/api/graphql", "token", async (s) => {
    const body = (s.body ?? {}) as { query?: string; variables?: Record<string, unknown>; operationName?: string };
    if (typeof body.query !== "string") {
      return { status: 400, body: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/graphql" } };
    }
    try {
      const doc = parse(body.query);
      s.graphqlFields = doc.definitions
        .filter((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")
        .flatMap((d) => d.selectionSet.selections.map((sel) => (sel.kind === "Field" ? sel.name.value : sel.kind)));
    } catch {
      // graphql() below reports the syntax error the way GitHub does.
    }
    const key = s.allRepos ? "personal" : String(s.installationId);
    const u = used.get(key) ?? 0;
    const ctx: GraphqlContext = { model, mergeability: new Map(), nodeCount: 0 };
    const result = await graphql({
      schema,
      source: body.query,
      variableValues: body.variables ?? {},
      operationName: body.operationName ?? null,
      rootValue: queryRoot(model, { limit: rateLimit, remaining: rateLimit - u, used: u, resetAt }),
      contextValue: ctx,
      fieldResolver,
    });
    const out: Record<string, unknown> = {};
    if (result.errors?.length) {
      // GitHub puts the error type (NOT_FOUND, MISSING_PAGINATION_BOUNDARIES...) at the top level of each error.
      out["errors"] = result.errors.map((e) => {
        const json = e.toJSON() as unknown as Record<string, unknown>;
        const type = e.extensions?.["type"];
        return type ? { type, ...json } : json;
      });
    }
    if (result.data !== undefined) out["data"] = result.data;
    return { status: 200, body: out };
  });

  const authenticate = (s: RequestState, kind: "app" | "token" | "none"): Reply | undefined => {
    const header = s.req.headers["authorization"] ?? "";
    const [scheme, credential] = header.split(" ");
    if (kind === "none") return undefined;
    if (kind === "app") {
      if (scheme?.toLowerCase() !== "bearer" || !credential) {
        return { status: 401, body: { message: "A JSON web token could not be decoded", documentation_url: DOCS } };
      }
      const [h, p, sig] = credential.split(".");
      if (!h || !p || !sig) return { status: 401, body: { message: "A JSON web token could not be decoded", documentation_url: DOCS } };
      if (publicKey && !verify("RSA-SHA256", Buffer.from(`${h}.${p}`), publicKey, Buffer.from(sig, "base64url"))) {
        return { status: 401, body: { message: "A JSON web token could not be decoded", documentation_url: DOCS } };
      }
      const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { iss?: unknown; exp?: number };
      if (options.appId !== undefined && String(claims.iss) !== String(options.appId)) {
        return { status: 401, body: { message: `'Issuer' claim ('iss') must be an Integer (or the app id ${options.appId})`, documentation_url: DOCS } };
      }
      if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
        return { status: 401, body: { message: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires", documentation_url: DOCS } };
      }
      return undefined;
    }
    const token = credential ?? "";
    if (options.personalTokens?.includes(token) && ["token", "bearer"].includes(scheme?.toLowerCase() ?? "")) {
      s.allRepos = true;
      return undefined;
    }
    const issued = tokens.get(token);
    if (!issued || !["token", "bearer"].includes(scheme?.toLowerCase() ?? "") || issued.expiresAt.getTime() < Date.now()) {
      return { status: 401, body: { message: "Bad credentials", documentation_url: DOCS } };
    }
    s.installationId = issued.installationId;
    return undefined;
  };

  const faultReply = (fault: ActiveFault, isGraphql: boolean): Reply | undefined => {
    const retryAfter = String(fault.rule.retryAfterSeconds ?? 1);
    switch (fault.kind) {
      case "bad-gateway":
        return isGraphql
          ? {
              status: 502,
              body: {
                data: null,
                errors: [{ message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `FAKE:0000` when reporting this issue." }],
              },
            }
          : { status: 502, body: { message: "Server Error" } };
      case "secondary-rate-limit":
        return {
          status: 403,
          headers: { "retry-after": retryAfter },
          body: {
            message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE:0000.",
            documentation_url: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          },
        };
      case "rate-limit":
        return {
          status: 429,
          headers: {
            "retry-after": retryAfter,
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + Number(retryAfter)),
          },
          body: { message: "API rate limit exceeded for installation.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" },
        };
      case "slow":
        return undefined;
    }
  };

  const send = (res: ServerResponse, reply: Reply, rateHeaders: Record<string, string>) => {
    const headers: Record<string, string> = {
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
      ...rateHeaders,
      ...reply.headers,
    };
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8", ...headers });
      res.end(reply.text);
      return;
    }
    res.writeHead(reply.status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  };

  const server = createServer(async (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? "/", "http://fake");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const s: RequestState = { req, url, body, installationId: undefined, allRepos: false };
    const method = req.method ?? "GET";
    const match = routes
      .filter((r) => r.method === method)
      .map((r) => ({ r, m: r.regex.exec(url.pathname) }))
      .find((x) => x.m);
    const routeKey = match ? `${method} ${match.r.pattern.replace(/^\/api\/v3/, "").replace(/^\/api\/graphql$/, "/graphql")}` : "unmatched";
    let reply: Reply;
    let faultName: string | undefined;
    let points: number | undefined;
    const fault = faults.take(routeKey, `${method} ${url.pathname}`);
    if (fault) {
      faultName = fault.kind;
      if (fault.kind === "slow") await sleep(fault.rule.delayMs ?? 1000);
    }
    const injected = fault ? faultReply(fault, url.pathname === "/api/graphql") : undefined;
    if (injected) {
      reply = injected;
    } else if (!match) {
      reply = notFound();
    } else {
      const denied = authenticate(s, match.r.auth);
      if (denied) {
        reply = denied;
      } else {
        const params: Record<string, string> = {};
        match.r.keys.forEach((k, i) => (params[k] = decodeURIComponent(match.m![i + 1]!)));
        const budgetKey = budget && match.r.auth === "token" ? (s.allRepos ? "personal" : String(s.installationId)) : undefined;
        const isGraphql = url.pathname === "/api/graphql";
        points = budgetKey === undefined ? undefined : isGraphql ? costOf(s.body) : 1;
        const breach = budgetKey === undefined ? undefined : budget!.admit(budgetKey, points!, isGraphql);
        if (breach) {
          reply = breachReply(breach, isGraphql, s.installationId);
          faultName = `budget-${breach.kind}`;
        } else {
          try {
            reply = await match.r.handler(s, params);
          } catch (err) {
            reply = { status: 500, body: { message: `fake GitHub failed: ${(err as Error).message}` } };
          } finally {
            if (budgetKey !== undefined) budget!.done(budgetKey);
          }
        }
      }
    }
    const key = s.allRepos ? "personal" : s.installationId !== undefined ? String(s.installationId) : undefined;
    const rateHeaders: Record<string, string> = {};
    if (key !== undefined) {
      // With the budget on, the headers count its points (GraphQL cost), as GitHub's do.
      const u = budget ? (budget.used.get(key) ?? 0) : (used.get(key) ?? 0) + 1;
      used.set(key, u);
      Object.assign(rateHeaders, {
        "x-ratelimit-limit": String(rateLimit),
        "x-ratelimit-remaining": String(Math.max(0, rateLimit - u)),
        "x-ratelimit-used": String(u),
        "x-ratelimit-reset": String(Math.floor(resetAt.getTime() / 1000)),
        "x-ratelimit-resource": url.pathname === "/api/graphql" ? "graphql" : "core",
      });
    }
    send(res, reply, rateHeaders);
    requests.record({
      method,
      path: url.pathname + url.search,
      route: routeKey,
      status: reply.status,
      at: started,
      durationMs: Date.now() - started,
      installationId: s.installationId,
      fault: faultName,
      graphqlFields: s.graphqlFields,
      points,
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  baseUrl = `http://${host}/api/v3`;
  return {
    url: `http://${host}`,
    host,
    port,
    restUrl: baseUrl,
    graphqlUrl: `http://${host}/api/graphql`,
    env: { GHE_HOST: host, GHE_PROTOCOL: "http" },
    model,
    requests,
    faults,
    tokens,
    budget,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The documented cost of a GraphQL body (1 when it does not parse: graphql() reports that). */
function costOf(body: unknown): number {
  const b = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
  if (typeof b.query !== "string") return 1;
  try {
    return graphqlCost(parse(b.query), b.variables ?? {}, b.operationName);
  } catch {
    return 1;
  }
}

const SECONDARY_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE:0000.";

/** GitHub's answers to a request over its budget: 403 + retry-after (secondary); RATE_LIMITED (GraphQL) or 403 (REST) with x-ratelimit-remaining 0 (primary). */
function breachReply(breach: BudgetBreach, isGraphql: boolean, installationId: number | undefined): Reply {
  if (breach.kind === "secondary") {
    return {
      status: 403,
      headers: { "retry-after": String(breach.retryAfterSeconds) },
      body: { message: SECONDARY_MESSAGE, documentation_url: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits" },
    };
  }
  const message = `API rate limit exceeded for installation ID ${installationId ?? 0}.`;
  const headers = { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(breach.resetAt.getTime() / 1000)) };
  return isGraphql
    ? { status: 200, headers, body: { errors: [{ type: "RATE_LIMITED", message }] } }
    : { status: 403, headers, body: { message, documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api" } };
}

import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { actionsApiHandler, MAX_BODY_BYTES } from "../../src/http/actions-api.js";
import { readJournal } from "../../src/store/journal.js";
import { makePoint } from "../../src/store/point.js";
import { freePort } from "../helpers/influxd.js";
import { allPoints, testRuntime } from "../actions/test-runtime.js";

type TestRuntime = Awaited<ReturnType<typeof testRuntime>>;
const TOKEN = "s3cret-actions-token";
let runtime: TestRuntime | undefined;
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await runtime?.cleanup();
  runtime = undefined;
});

/** Serves the handler on loopback the way Probot's server chains handlers (false: next one, here 404). */
async function serve(env: NodeJS.ProcessEnv): Promise<{ url: string; runtime: TestRuntime }> {
  runtime = await testRuntime(env);
  const handler = actionsApiHandler(runtime);
  server = createServer(async (req, res) => {
    try {
      if (!(await handler(req, res))) res.writeHead(418).end("next handler");
    } catch {
      // What Probot's server does with a handler that throws: 500, empty body.
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, runtime };
}

async function post(url: string, body: unknown, token?: string, method = "POST") {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(method === "GET" ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
}

const action = { repo: "dappcore/core", pr: 315, action: "wait", reason: "auto-merge enabled, checks passing", time: "2026-02-05T09:00:00Z" };

describe("actionsApiHandler", () => {
  it("answers 404 on both paths when ACTIONS_API_TOKEN is not set, and writes nothing", async () => {
    const { url, runtime } = await serve({});
    expect((await post(`${url}/api/actions`, action, TOKEN)).status).toBe(404);
    expect((await post(`${url}/api/outcomes`, { repo: "a/b", pr: 1, result: "escalated" }, TOKEN)).status).toBe(404);
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("leaves other paths to the next handler", async () => {
    const { url } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const res = await fetch(`${url}/api/github/webhooks`, { method: "POST", body: "{}" });
    expect(res.status).toBe(418);
  });

  it("answers 401 for a missing or wrong token (of any length), and writes nothing", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    for (const token of [undefined, "wrong", TOKEN + "x", TOKEN.slice(0, -1)]) {
      const res = await post(`${url}/api/actions`, action, token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: "send Authorization: Bearer <ACTIONS_API_TOKEN>" });
    }
    const basic = await fetch(`${url}/api/actions`, { method: "POST", headers: { authorization: `Basic ${TOKEN}` }, body: JSON.stringify(action) });
    expect(basic.status).toBe(401);
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("answers 405 to other methods", async () => {
    const { url } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const res = await post(`${url}/api/actions`, undefined, TOKEN, "GET");
    expect(res.status).toBe(405);
  });

  it("answers 400 naming the field for invalid bodies", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const cases: [string, unknown, string][] = [
      ["/api/actions", { ...action, action: "Wait!" }, "action must be snake_case (a-z, 0-9 and _, starting with a letter), e.g. wait, request_review_fix, request_conflict_fix, resolve_conflict, comment, enable_auto_merge, request_review, update_branch, close, merge, label"],
      ["/api/actions", { ...action, action: "a".repeat(65) }, "action must be at most 64 characters"],
      ["/api/actions", { ...action, reason: "x".repeat(1025) }, "reason must be at most 1024 bytes"],
      ["/api/actions", { ...action, repo: "core" }, "repo must be owner/name, e.g. dappcore/core"],
      ["/api/actions", { ...action, pr: 0 }, "pr must be a pull request number (a positive whole number)"],
      ["/api/actions", { ...action, pr: 1.5 }, "pr must be a pull request number (a positive whole number)"],
      ["/api/actions", { ...action, time: "yesterday" }, "time must be an ISO 8601 time such as 2026-02-05T09:00:00Z"],
      ["/api/actions", { pr: 1, action: "wait" }, "repo is required"],
      ["/api/actions", { ...action, colour: "red" }, "unknown field colour: the fields are repo, pr, action, reason, time, actor"],
      ["/api/actions", "[1,2]", "the body must be a JSON object with the fields repo, pr, action, reason, time, actor"],
      ["/api/actions", "{not json", 'the body must be JSON, e.g. {"repo":"dappcore/core","pr":315,...}'],
      ["/api/outcomes", { repo: "a/b", pr: 1, result: "escalated", resolution_hours: -1 }, "resolution_hours must be a finite number of hours >= 0"],
      ["/api/outcomes", { repo: "a/b", pr: 1 }, "result is required"],
    ];
    for (const [path, body, error] of cases) {
      const res = await post(`${url}${path}`, body, TOKEN);
      expect({ path, body, status: res.status, error: res.body?.error }).toEqual({ path, body, status: 400, error });
    }
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("answers 413 for a body over 64 KiB, declared or streamed, and writes nothing", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const big = JSON.stringify({ ...action, reason: "x".repeat(MAX_BODY_BYTES) });
    expect((await post(`${url}/api/actions`, big, TOKEN)).status).toBe(413);
    // Chunked, with no Content-Length: the limit is enforced while reading.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/api/actions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      for (let i = 0; i < 5; i++) req.write("x".repeat(MAX_BODY_BYTES / 4));
      req.end();
    });
    expect(status).toBe(413);
    expect(await allPoints(runtime)).toEqual([]);
  });

  it("answers 202 once the action is in the journal", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const res = await post(`${url}/api/actions`, { ...action, actor: "core-orchestrator[bot]" }, TOKEN);
    const recorded = {
      measurement: "action_taken",
      time: "2026-02-05T09:00:00.000Z",
      tags: { repo: "dappcore/core", pr: "315" },
      fields: { action: "wait", reason: "auto-merge enabled, checks passing", source: "api", actor: "core-orchestrator[bot]" },
    };
    expect(res).toEqual({ status: 202, body: { recorded, replaced: false } });
    // Read the journal without flushing anything: the line is there before the answer.
    expect(await allPoints(runtime)).toEqual([{ ...recorded, time: new Date(recorded.time) }]);
    expect(await runtime.attempts.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 0 });
  });

  it("counts an attempt recorded through the API", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    await post(`${url}/api/actions`, { ...action, action: "request_conflict_fix" }, TOKEN);
    expect(await runtime.attempts.get("dappcore/core", 315)).toEqual({ conflictAttempts: 1, reviewFixAttempts: 0 });
  });

  it("answers 202 for an outcome, taking resolution_hours from the PR's observations when not given", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    await runtime.store.write([
      makePoint("pr_observation", new Date("2026-02-05T12:00:00Z"), { repo: "dappcore/core", pr: "291" }, { pr_age_hours: 3 }),
      makePoint("pr_observation", new Date("2026-02-06T12:00:00Z"), { repo: "dappcore/core", pr: "291" }, { pr_age_hours: 27 }),
      makePoint("pr_observation", new Date("2026-02-01T12:00:00Z"), { repo: "dappcore/core", pr: "29" }, { pr_age_hours: 0 }),
    ]);
    const res = await post(`${url}/api/outcomes`, { repo: "dappcore/core", pr: "291", result: "escalated", detail: "conflict unresolvable", time: "2026-02-08T09:00:00Z" }, TOKEN);
    expect(res.status).toBe(202);
    expect(res.body?.recorded).toEqual({
      measurement: "outcome",
      time: "2026-02-08T09:00:00.000Z",
      tags: { repo: "dappcore/core", pr: "291" },
      fields: { result: "escalated", detail: "conflict unresolvable", resolution_hours: 72, source: "api" },
    });
    expect((await allPoints(runtime)).filter((p) => p.measurement === "outcome")).toHaveLength(1);
  });

  it("answers 503 when the journal cannot be written", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    await runtime.store.close();
    const res = await post(`${url}/api/actions`, action, TOKEN);
    expect(res).toEqual({ status: 503, body: { error: "not recorded: the journal is closed" } });
  });

  it("answers 400 naming the field for numbers and times that cannot be stored, and writes nothing", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const outcome = { repo: "a/b", pr: 1, result: "escalated" };
    const inOneDay = new Date(Date.now() + 25 * 3_600_000).toISOString();
    const cases: [string, unknown, string, string][] = [
      ["/api/outcomes", { ...outcome, resolution_hours: 1e308 }, "resolution_hours", "resolution_hours must be at most 1000000 hours (about 114 years)"],
      ["/api/outcomes", { ...outcome, resolution_hours: 1_000_001 }, "resolution_hours", "resolution_hours must be at most 1000000 hours (about 114 years)"],
      ["/api/outcomes", { ...outcome, time: "9999-12-31T00:00:00Z" }, "time", "time is after 2262-04-11T23:47:16.854Z, the latest time InfluxDB can store"],
      ["/api/outcomes", { ...outcome, time: "1677-09-21T00:12:43.145Z" }, "time", "time is before 1677-09-21T00:12:43.146Z, the earliest time InfluxDB can store"],
      ["/api/actions", { ...action, time: "2262-04-11T23:47:16.855Z" }, "time", "time is after 2262-04-11T23:47:16.854Z, the latest time InfluxDB can store"],
      ["/api/actions", { ...action, time: "2200-01-01T00:00:00Z" }, "time", "time is more than 24 hour(s) in the future"],
      ["/api/actions", { ...action, time: inOneDay }, "time", "time is more than 24 hour(s) in the future"],
      ["/api/actions", { ...action, time: "2026-01-01T00:00:00.0001Z" }, "time", "time is finer than a millisecond; times are stored with millisecond precision, so give at most 3 decimals of seconds"],
    ];
    for (const [path, body, field, error] of cases) {
      const res = await post(`${url}${path}`, body, TOKEN);
      expect({ body, status: res.status, field: res.body?.field, error: String(res.body?.error).slice(0, error.length) }).toEqual({ body, status: 400, field, error });
    }
    expect(await allPoints(runtime)).toEqual([]);
    // Trailing zeros lose nothing.
    expect((await post(`${url}/api/actions`, { ...action, time: "2026-01-01T00:00:00.000000Z" }, TOKEN)).status).toBe(202);
  });

  it("takes the limit for times in the future from MAX_FUTURE_HOURS", async () => {
    const { url } = await serve({ ACTIONS_API_TOKEN: TOKEN, MAX_FUTURE_HOURS: "0" });
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const res = await post(`${url}/api/actions`, { ...action, time: soon }, TOKEN);
    expect([res.status, res.body?.field, String(res.body?.error)]).toEqual([400, "time", expect.stringContaining("time is more than 0 hour(s) in the future")]);
  });

  it("says replaced: true when a point with the same identity is already in the journal", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    const first = await post(`${url}/api/actions`, action, TOKEN);
    const again = await post(`${url}/api/actions`, { ...action, action: "request_review_fix" }, TOKEN);
    const otherPr = await post(`${url}/api/actions`, { ...action, pr: 316 }, TOKEN);
    expect([first.body?.replaced, again.body?.replaced, otherPr.body?.replaced]).toEqual([false, true, false]);
    expect(again.status).toBe(202);
    expect(await allPoints(runtime)).toHaveLength(3);
  });

  it("records an outcome without resolution_hours while InfluxDB is down: 202, hours from the journal", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN, INFLUX_HOST: closed, INFLUX_DATABASE: "telemetry" });
    await runtime.store.write([makePoint("pr_observation", new Date("2026-02-05T12:00:00Z"), { repo: "dappcore/core", pr: "291", author: "jules[bot]" }, { pr_age_hours: 3 })]);
    const res = await post(`${url}/api/outcomes`, { repo: "dappcore/core", pr: 291, result: "escalated", time: "2026-02-08T09:00:00Z" }, TOKEN);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      recorded: { measurement: "outcome", time: "2026-02-08T09:00:00.000Z", tags: { repo: "dappcore/core", pr: "291" }, fields: { result: "escalated", resolution_hours: 72, source: "api" } },
      replaced: false,
    });
    // Unknown PR: recorded without the field, and the answer says why.
    const unknown = await post(`${url}/api/outcomes`, { repo: "dappcore/core", pr: 292, result: "escalated", time: "2026-02-08T09:00:00Z" }, TOKEN);
    expect(unknown.status).toBe(202);
    expect(unknown.body?.notes).toEqual([
      "resolution_hours left out: the journal has no observation or outcome of dappcore/core#292 up to 2026-02-08T09:00:00.000Z, so the PR's creation time is unknown; give resolution_hours to record it",
    ]);
    const outcomes: unknown[] = [];
    for await (const p of readJournal(runtime.config.journalDir, { measurements: ["outcome"] })) outcomes.push(p);
    expect(outcomes).toHaveLength(2);
  });

  it("answers an unexpected failure with 500 and a JSON error, never an empty body", async () => {
    const { url, runtime } = await serve({ ACTIONS_API_TOKEN: TOKEN });
    Object.defineProperty(runtime.store, "journal", {
      get() {
        throw new Error("boom");
      },
    });
    const res = await post(`${url}/api/actions`, action, TOKEN);
    expect(res).toEqual({ status: 500, body: { error: "internal error (the point may not have been recorded; sending it again is harmless): boom" } });
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { Probot, Server } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import { GITHUB_MAX_PAYLOAD_BYTES } from "../../src/http/webhook-body-limit.js";
import type { SnapshotFunctions } from "../../src/pipeline/observer.js";
import { makePoint } from "../../src/store/point.js";
import { freePort } from "../helpers/app-process.js";
import { journalPoints } from "../helpers/journal-points.js";
import { silentLog } from "../helpers/silent-log.js";
import { TestOctokit } from "../helpers/test-probot.js";
import { webhookExample } from "../helpers/webhook-examples.js";

// The webhook route of the real server (Probot's Server with the app, on a free port), spoken to
// with raw HTTP requests so the tests control how and when the body is sent.

const SECRET = "test-secret";
const MB = 1024 * 1024;
const snapshots: SnapshotFunctions<{ owner: string; repo: string; number: number }> = {
  fetch: async (_g, targets) => new Map(targets.map((t) => [`${t.owner}/${t.repo}#${t.number}`, t])),
  isMergeableUnknown: () => false,
  toPoint: (t, now, ctx) => makePoint("pr_observation", now, { repo: `${t.owner}/${t.repo}`, pr: String(t.number), author: "a" }, { trigger: ctx.trigger }),
};

let dataDir: string;
let server: Server;
let handle: AppHandle;
let port: number;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "webhook-route-"));
  handle = createApp({ env: { DATA_DIR: dataDir, DEBOUNCE_MS: "10", SWEEP_INTERVAL_MINUTES: "0" }, snapshots });
  server = new Server({
    host: "127.0.0.1",
    port: await freePort(), // Probot's Server takes 0 for "unset" and listens on 3000
    log: silentLog(),
    Probot: Probot.defaults({ githubToken: "t", secret: SECRET, Octokit: TestOctokit, log: silentLog() }),
  });
  await server.load(handle.appFn);
  await server.start();
  port = server.port;
  nock("https://api.github.com").persist().get(/\/contents\//).reply(404, { message: "Not Found" });
});
afterEach(async () => {
  await server.stop();
  await handle.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

interface Sent {
  status: number;
  body: string;
  /** Body bytes written when the first byte of the answer arrived. */
  sentWhenAnswered: number;
}

/**
 * POSTs to the webhook route over a raw TCP socket (nock, active in every test, would buffer a
 * whole http.request body before sending it), writing the body piece by piece (waiting `everyMs`
 * between pieces, or for the socket to drain), and stops writing as soon as the server answers.
 */
function post(headers: Record<string, string>, pieces: Iterable<Buffer>, options: { everyMs?: number } = {}): Promise<Sent> {
  const chunked = headers["transfer-encoding"] === "chunked";
  if (!chunked && headers["content-length"] === undefined && Array.isArray(pieces)) {
    headers = { ...headers, "content-length": String(pieces.reduce((n: number, p: Buffer) => n + p.length, 0)) };
  }
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let sent = 0;
    let sentWhenAnswered: number | undefined;
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (result: Sent | Error) => {
      if (done) return;
      done = true;
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const parse = () => {
      const text = received.toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return undefined;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      const body = received.subarray(Buffer.byteLength(text.slice(0, end + 4)));
      return body.length >= length ? { status, body: body.subarray(0, length).toString("utf8"), sentWhenAnswered: sentWhenAnswered! } : undefined;
    };
    socket.on("data", (data: Buffer) => {
      sentWhenAnswered ??= sent;
      received = Buffer.concat([received, data]);
      const answer = parse();
      if (answer) finish(answer);
    });
    // Once answered, the server may close the socket under a body still being written.
    socket.on("error", (err) => (sentWhenAnswered === undefined ? finish(err) : undefined));
    socket.on("close", () => finish(parse() ?? new Error(`connection closed without a whole answer after ${sent} body bytes`)));
    void (async () => {
      const head = Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(`POST /api/github/webhooks HTTP/1.1\r\n${head.join("")}\r\n`);
      for (const piece of pieces) {
        if (sentWhenAnswered !== undefined || done) return;
        sent += piece.length;
        const framed = chunked ? [Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")] : [piece];
        let drained = true;
        for (const part of framed) drained = socket.write(part) && drained;
        if (!drained) await new Promise((r) => socket.once("drain", r).once("close", r));
        if (options.everyMs) await sleep(options.everyMs);
      }
      if (chunked && sentWhenAnswered === undefined && !done) socket.write("0\r\n\r\n");
    })();
  });
}

function* repeat(piece: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield piece;
}

function webhookHeaders(id: string, signature: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": id, "x-hub-signature-256": signature, ...extra };
}

describe("the webhook route's size cap", () => {
  it("answers 413 to a body whose Content-Length is over GitHub's 25 MB cap before the body is sent, without buffering it", async () => {
    const declared = 26 * MB;
    // Only the first 64 KB are ever sent: the answer cannot have waited for (or buffered) the body.
    const res = await post(webhookHeaders("big", "sha256=00", { "content-length": String(declared) }), [Buffer.alloc(64 * 1024, "a")]);
    expect(res.status).toBe(413);
    expect(res.sentWhenAnswered).toBeLessThan(declared);
    expect(JSON.parse(res.body)).toEqual({ error: `Payload too large: GitHub caps webhook payloads at ${GITHUB_MAX_PAYLOAD_BYTES} bytes` });
  });

  it("answers 413 to a chunked body once it passes the cap, while it is still being sent", async () => {
    const res = await post(webhookHeaders("chunked", "sha256=00", { "transfer-encoding": "chunked" }), repeat(Buffer.alloc(MB, "a"), 64));
    expect(res.status).toBe(413);
    expect(res.sentWhenAnswered).toBeGreaterThan(GITHUB_MAX_PAYLOAD_BYTES);
    expect(res.sentWhenAnswered).toBeLessThan(64 * MB);
  });

  it("still takes a signed delivery under the cap, and the server keeps answering after refusals", async () => {
    await post(webhookHeaders("big", "sha256=00", { "content-length": String(30 * MB) }), [Buffer.alloc(1024)]);
    const body = Buffer.from(JSON.stringify(webhookExample("pull_request", "opened")));
    const res = await post(webhookHeaders("small", await sign(SECRET, body.toString())), [body]);
    expect(res.status).toBe(200);
  });
});

describe("the webhook route never answers 2xx to an unverified body", () => {
  it("a body dripping in over more than 9 s: forged signature → 400, valid signature → 200 and recorded", { timeout: 30_000 }, async () => {
    const payload = webhookExample("pull_request", "opened");
    const body = Buffer.from(JSON.stringify(payload));
    const pieces = (buf: Buffer) => Array.from({ length: 11 }, (_, i) => buf.subarray(Math.floor((i * buf.length) / 11), Math.floor(((i + 1) * buf.length) / 11)));
    const started = Date.now();
    const [forged, valid] = await Promise.all([
      post(webhookHeaders("slow-forged", await sign("wrong-secret", body.toString())), pieces(body), { everyMs: 1000 }),
      post(webhookHeaders("slow-valid", await sign(SECRET, body.toString())), pieces(body), { everyMs: 1000 }),
    ]);
    expect(forged.status).toBe(400);
    expect(valid.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThan(9_500); // Probot's timer (9 s) had every chance to answer 202
    await handle.shutdown();
    const observed = (await journalPoints(dataDir)).points.map((p) => [p.measurement, p.tags["pr"], p.fields["trigger"]]);
    expect(observed).toEqual([["pr_observation", "2", "pull_request.opened"]]);
  });
});

describe("a bug in our own handler code", () => {
  it("fails the delivery with 500 (GitHub shows it, it can be redelivered), where a malformed payload gets 200", async () => {
    const payload = webhookExample("pull_request", "closed");
    const bad = webhookExample("pull_request", "closed");
    bad.repository.full_name = "../../etc/passwd";
    const badBody = Buffer.from(JSON.stringify(bad));
    expect((await post(webhookHeaders("malformed", await sign(SECRET, badBody.toString())), [badBody])).status).toBe(200);

    handle.runtime()!.runtime.store.write = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'fields')");
    };
    const body = Buffer.from(JSON.stringify(payload));
    const res = await post(webhookHeaders("bug", await sign(SECRET, body.toString())), [body]);
    expect(res.status).toBe(500);
    expect(res.body).toMatch(/Cannot read properties of undefined/);
  });
});

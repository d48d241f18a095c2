import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger, Probot } from "probot";

/** GitHub caps webhook payloads at 25 MB ("Payloads are capped at 25 MB", GitHub's webhook docs). */
export const GITHUB_MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

/** Probot's webhook middleware: answers (true) or passes the request on. */
type Middleware = Awaited<ReturnType<Probot["getNodeMiddleware"]>>;

export interface WebhookBodyLimitOptions {
  /** The webhook route (Probot's WEBHOOK_PATH, /api/github/webhooks by default). */
  path: string;
  maxBytes: number;
  log: Pick<Logger, "warn">;
  /** Hears of every webhook POST once answered: its event header, status and seconds from arrival (the /metrics counters). */
  onAnswered?: ((event: string | undefined, status: number, seconds: number) => void) | undefined;
}

/**
 * Puts a size cap in front of Probot's webhook route, and reads the body before Probot's 9 s
 * timer starts, so that a body over GitHub's 25 MB cap is refused (413) without being buffered,
 * and no body is answered 2xx before its signature is verified.
 *
 * Why it wraps the middleware: Probot 14's Server puts its webhook middleware ahead of every
 * handler an app adds with `addHandler`, and that middleware (@octokit/webhooks'
 * createNodeMiddleware) buffers the whole body with no limit and starts its 9 s "202 still
 * processing" timer before reading it, so a body that took longer than 9 s to arrive was answered
 * 202 whatever its signature (the timeout is an option of createNodeMiddleware that Probot does not
 * expose). Probot builds the middleware with `probot.getNodeMiddleware()` when its Server starts,
 * after the app function ran; the app's Probot is given one that returns the wrapped middleware.
 */
export function limitWebhookBodies(
  app: Probot,
  log: Pick<Logger, "warn">,
  maxBytes = GITHUB_MAX_PAYLOAD_BYTES,
  onAnswered?: WebhookBodyLimitOptions["onAnswered"],
): void {
  const probotMiddleware = app.getNodeMiddleware.bind(app);
  app.getNodeMiddleware = async (options = {}) => {
    const inner = await probotMiddleware(options);
    return webhookBodyLimit(inner, { path: options.path ?? app.webhookPath, maxBytes, log, onAnswered });
  };
}

/**
 * The wrapping middleware: on a POST to the webhook route with what Probot needs (JSON content
 * type, GitHub's delivery headers) it reads the body itself, at most `maxBytes`, and hands it to
 * Probot as `req.body` (which @octokit/webhooks uses instead of reading the stream). Everything
 * else goes to Probot untouched, which answers it as it always did.
 *
 * The signature is not checked here a second time: once the body is in hand, Probot's middleware
 * starts its timer and verifies the signature (@octokit/webhooks' verifyAndReceive) in the same
 * turn of the event loop, through promise continuations only, so the 202 timer (a macrotask)
 * cannot fire before the verification has answered 400 or let the delivery through (pinned by
 * test/http/webhook-route.test.ts with a body dripping in over 10 s). Verifying here as well
 * would add a second HMAC over every payload to the acknowledgement path for nothing.
 */
export function webhookBodyLimit(inner: Middleware, options: WebhookBodyLimitOptions): Middleware {
  const route = withoutTrailingSlashes(options.path);
  return async (req: IncomingMessage, res: ServerResponse, next?: Function) => {
    if (req.method !== "POST" || routeOf(req.url) !== route) return inner(req, res, next);
    if (options.onAnswered) timeAnswer(req, res, options.onAnswered);
    const declared = Number(req.headers["content-length"]);
    if (declared > options.maxBytes) return refuseTooLarge(req, res, options, `${declared} bytes`);
    const contentType = req.headers["content-type"];
    // Probot answers these at once (400, 415) without reading the body.
    if (!req.headers["x-hub-signature-256"] || !req.headers["x-github-event"] || !req.headers["x-github-delivery"] || !/^\s*application\/json\s*(?:;|$)/u.test(contentType ?? "")) {
      return inner(req, res, next);
    }
    const body = await readBody(req, options.maxBytes);
    if (body === "aborted") return true; // the sender went away: nobody to answer
    if (body === "too large") return refuseTooLarge(req, res, options, `more than ${options.maxBytes} bytes`);
    (req as IncomingMessage & { body?: string }).body = body;
    return inner(req, res, next);
  };
}

/** Calls `onAnswered` when the response is sent (one listener and one clock read per delivery). */
function timeAnswer(req: IncomingMessage, res: ServerResponse, onAnswered: NonNullable<WebhookBodyLimitOptions["onAnswered"]>): void {
  const start = performance.now();
  res.once("finish", () => {
    const event = req.headers["x-github-event"];
    onAnswered(typeof event === "string" ? event : undefined, res.statusCode, (performance.now() - start) / 1000);
  });
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, options: WebhookBodyLimitOptions, size: string): true {
  options.log.warn(
    { delivery: req.headers["x-github-delivery"], event: req.headers["x-github-event"], maxBytes: options.maxBytes },
    `webhook refused: its body (${size}) is larger than GitHub's 25 MB cap for webhook payloads`,
  );
  // `connection: close`: the socket is closed once the answer is sent, instead of the rest of the
  // body being read to keep the connection alive.
  lingerOnClose(req);
  return answer(res, 413, { error: `Payload too large: GitHub caps webhook payloads at ${options.maxBytes} bytes` }, { connection: "close" });
}

/** How long a refused sender may go on sending (discarded) after its answer, at most. */
const LINGER_MS = 2_000;

/**
 * A lingering close, as web servers do after an early answer: the sender is still writing its
 * body, and a socket closed with unread bytes in its receive buffer is reset by the kernel, which
 * can discard the 413 before the sender reads it (seen as EPIPE/ECONNRESET with no answer). So
 * after the answer the rest of the body is read and dropped, the sending side is closed, and the
 * socket is destroyed when the sender closes, or after LINGER_MS at the latest.
 * Hand-written: Node's http server closes an answered `connection: close` socket at once
 * (`socket.destroySoon()` after the response finishes) and has no lingering option; this
 * replaces that one call on this one socket.
 */
function lingerOnClose(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage["socket"] & { destroySoon?: () => void };
  req.resume();
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once("close", () => clearTimeout(timer));
  };
}

function answer(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers }).end(text);
  return true;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The request body as text (decoded as @octokit/webhooks decodes it), or "too large" as soon as
 * more than `maxBytes` arrived (what came is dropped and the stream paused), or "aborted".
 * Hand-written: no dependency of ours reads a body with a limit (raw-body would be a new one for
 * twenty lines).
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | "too large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: string | "too large" | "aborted") => {
      req.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        req.pause();
        finish("too large");
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => finish(decoder.decode(Buffer.concat(chunks, size)));
    const onAbort = () => finish("aborted");
    const onClose = () => {
      if (!req.complete) finish("aborted");
    };
    req.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onClose);
  });
}

/** The route as @octokit/webhooks' middleware matches it (trailing slashes of the whole URL dropped). */
function routeOf(url: string | undefined): string | undefined {
  try {
    return new URL(withoutTrailingSlashes(url ?? ""), "http://localhost").pathname;
  } catch {
    return undefined; // Probot answers 422
  }
}

function withoutTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { actionPoint } from "../actions/action-point.js";
import { actionInputSchema, outcomeInputSchema, parseRecordInput } from "../actions/record-input.js";
import { writePoints } from "../actions/write-points.js";
import { InputError } from "../errors.js";
import { outcomePoint } from "../outcomes/outcome-point.js";
import { resolutionFromStore } from "../outcomes/resolution-from-store.js";
import type { Runtime } from "../runtime.js";
import type { Point } from "../store/point.js";

/** The largest body accepted: an action is a few hundred bytes; 64 KiB leaves room and bounds memory. */
export const MAX_BODY_BYTES = 64 * 1024;

const ROUTES = { "/api/actions": "action", "/api/outcomes": "outcome" } as const;

/**
 * The orchestrators' HTTP API, as a Probot server handler (returns false for other paths):
 * POST /api/actions and POST /api/outcomes with a JSON body of the CLI's fields and
 * `Authorization: Bearer <ACTIONS_API_TOKEN>`. Without ACTIONS_API_TOKEN both answer 404. A
 * missing or wrong token gets 401 (compared in constant time), a bad body 400 naming the field,
 * a body over 64 KiB 413; an accepted one 202 once the point is in the journal.
 */
export function actionsApiHandler(runtime: Runtime): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const token = runtime.config.actionsApiToken;
  // Comparing digests keeps timingSafeEqual's equal-length rule from leaking the token's length.
  const expected = token ? digest(token) : undefined;

  return async (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const route = ROUTES[path as keyof typeof ROUTES];
    if (!route) return false;
    if (!expected) {
      reply(res, 404, { error: "not found: the actions API is off until ACTIONS_API_TOKEN is set" });
      return true;
    }
    if (req.method !== "POST") {
      reply(res, 405, { error: `use POST ${path}` }, { allow: "POST" });
      return true;
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) {
      req.resume();
      reply(res, 401, { error: "send Authorization: Bearer <ACTIONS_API_TOKEN>" }, { "www-authenticate": 'Bearer realm="pr-telemetry"' });
      return true;
    }

    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === "too-large") {
      reply(res, 413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
      return true;
    }
    let point: Point;
    try {
      point = await toPoint(route, body, runtime);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      reply(res, 400, { error: err.message, ...(err.field ? { field: err.field } : {}) });
      return true;
    }
    try {
      await writePoints(runtime, [point]);
    } catch (err) {
      runtime.log.error({ err: (err as Error).message }, "could not record a point from the actions API");
      reply(res, 503, { error: `not recorded: ${(err as Error).message}` });
      return true;
    }
    runtime.log.info({ repo: point.tags.repo, pr: point.tags.pr, measurement: point.measurement, ...point.fields, reason: undefined, detail: undefined }, "recorded through the actions API");
    reply(res, 202, { recorded: { measurement: point.measurement, time: point.time.toISOString(), tags: point.tags, fields: point.fields } });
    return true;
  };
}

async function toPoint(route: "action" | "outcome", body: Buffer, runtime: Runtime): Promise<Point> {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch {
    throw new InputError("the body must be JSON, e.g. {\"repo\":\"dappcore/core\",\"pr\":315,...}");
  }
  const now = new Date();
  if (route === "action") return actionPoint(parseRecordInput(actionInputSchema, raw), "api", now);
  const input = parseRecordInput(outcomeInputSchema, raw);
  const resolution_hours = input.resolution_hours ?? (await resolutionFromStore(runtime.store, input.repo, input.pr, input.time ?? now));
  return outcomePoint({ ...input, resolution_hours }, "api", now);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

// Read by hand: Probot's server parses bodies only on its webhook path, and a size limit needs
// the stream anyway. Past the limit the rest is read and dropped (not kept), so the 413 answer
// reaches a client that is still sending.
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve("too-large");
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body) + "\n");
}

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { actionPoint } from "../actions/action-point.js";
import type { BuiltPoint } from "../actions/built-point.js";
import { parseRecordInput, recordInputSchemas } from "../actions/record-input.js";
import { replacedNote } from "../actions/replaced-note.js";
import { wasRecorded } from "../actions/was-recorded.js";
import { writePoints } from "../actions/write-points.js";
import { InputError } from "../errors.js";
import { outcomePoint } from "../outcomes/outcome-point.js";
import { resolutionFromJournal } from "../outcomes/resolution-from-journal.js";
import { resolutionNote } from "../outcomes/resolution-note.js";
import type { Runtime } from "../runtime.js";

/** The largest body accepted: an action is a few hundred bytes; 64 KiB leaves room and bounds memory. */
export const MAX_BODY_BYTES = 64 * 1024;

const ROUTES = { "/api/actions": "action", "/api/outcomes": "outcome" } as const;

/**
 * The orchestrators' HTTP API, as a Probot server handler (returns false for other paths):
 * POST /api/actions and POST /api/outcomes with a JSON body of the CLI's fields and
 * `Authorization: Bearer <ACTIONS_API_TOKEN>`. Without ACTIONS_API_TOKEN both answer 404. A
 * missing or wrong token gets 401 (compared in constant time), a bad body 400 naming the field
 * (`{"error", "field"}`), a body over 64 KiB 413. An accepted one gets 202 once the point is in
 * the journal, whether or not InfluxDB is up (the journal is the outbox; nothing here reads
 * InfluxDB): `{"recorded": point, "replaced": bool, "notes"?: [...]}`, `replaced` true when a
 * point with the same identity was already in the journal (InfluxDB will merge the fields), notes
 * saying e.g. why resolution_hours was left out. A journal that cannot be written: 503. Every
 * other failure: 500 with a JSON error, never an empty body.
 */
export function actionsApiHandler(runtime: Runtime): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const token = runtime.config.actionsApiToken;
  // Comparing digests keeps timingSafeEqual's equal-length rule from leaking the token's length.
  const expected = token ? digest(token) : undefined;
  const schemas = recordInputSchemas({ maxFutureHours: runtime.config.maxFutureHours });

  return async (req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const route = ROUTES[path as keyof typeof ROUTES];
    if (!route) return false;
    try {
      await answer(req, res, route, path);
    } catch (err) {
      // Our own bug or an unexpected failure: say so in JSON, never an empty 500.
      runtime.log.error({ err: (err as Error).message, path }, "the actions API failed unexpectedly");
      if (!res.headersSent) reply(res, 500, { error: `internal error (the point may not have been recorded; sending it again is harmless): ${(err as Error).message}` });
      else res.destroy();
    }
    return true;
  };

  async function answer(req: IncomingMessage, res: ServerResponse, route: "action" | "outcome", path: string): Promise<void> {
    if (!expected) {
      reply(res, 404, { error: "not found: the actions API is off until ACTIONS_API_TOKEN is set" });
      return;
    }
    if (req.method !== "POST") {
      reply(res, 405, { error: `use POST ${path}` }, { allow: "POST" });
      return;
    }
    const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) {
      req.resume();
      reply(res, 401, { error: "send Authorization: Bearer <ACTIONS_API_TOKEN>" }, { "www-authenticate": 'Bearer realm="pr-telemetry"' });
      return;
    }

    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === "too-large") {
      reply(res, 413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, { connection: "close" });
      return;
    }
    let built: BuiltPoint;
    try {
      built = await toPoint(route, body);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      reply(res, 400, { error: err.message, ...(err.field ? { field: err.field } : {}) });
      return;
    }
    const { point, notes } = built;
    const replaced = await wasRecorded(runtime.store.journal.dir, point, runtime.config.maxFutureHours);
    try {
      await writePoints(runtime, [point]);
    } catch (err) {
      // The journal's own guard (src/store/point-limits.ts) refused the point: bad input after all.
      if (err instanceof InputError) {
        reply(res, 400, { error: err.message, ...(err.field ? { field: err.field } : {}) });
        return;
      }
      runtime.log.error({ err: (err as Error).message }, "could not record a point from the actions API");
      reply(res, 503, { error: `not recorded: ${(err as Error).message}` });
      return;
    }
    runtime.log.info(
      { repo: point.tags.repo, pr: point.tags.pr, measurement: point.measurement, ...point.fields, reason: undefined, detail: undefined, replaced },
      replaced ? `recorded through the actions API, ${replacedNote(point)}` : "recorded through the actions API",
    );
    reply(res, 202, {
      recorded: { measurement: point.measurement, time: point.time.toISOString(), tags: point.tags, fields: point.fields },
      replaced,
      ...(notes.length ? { notes } : {}),
    });
  }

  async function toPoint(route: "action" | "outcome", body: Buffer): Promise<BuiltPoint> {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString("utf8"));
    } catch {
      throw new InputError("the body must be JSON, e.g. {\"repo\":\"dappcore/core\",\"pr\":315,...}");
    }
    const now = new Date();
    if (route === "action") return { point: actionPoint(parseRecordInput(schemas.action, raw), "api", now), notes: [] };
    const input = parseRecordInput(schemas.outcome, raw);
    if (input.resolution_hours !== undefined) return { point: outcomePoint(input, "api", now), notes: [] };
    const at = input.time ?? now;
    const resolution_hours = await resolutionFromJournal(runtime.store.journal.dir, input.repo, input.pr, at, runtime.config.maxFutureHours);
    const notes = resolution_hours === undefined ? [resolutionNote(input.repo, input.pr, at, "resolution_hours")] : [];
    return { point: outcomePoint({ ...input, resolution_hours }, "api", now), notes };
  }
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

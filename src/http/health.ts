import type { IncomingMessage, ServerResponse } from "node:http";
import type { StoreHealth } from "../store/open-store.js";

/** The body of GET /health. */
export interface HealthReport extends StoreHealth {
  /**
   * "degraded": working, but something waits too long (e.g. observations on a slow or
   * rate-limited GitHub); `reason` says what. Still HTTP 200: a restart would not make GitHub
   * faster, and what waits is recovered anyway.
   */
  status: "ok" | "degraded" | "unavailable";
  reason?: string | undefined;
  /** PRs waiting for their coalescing window or being fetched, and background look-ups. */
  pending: number;
  /** Observations waiting longer than STUCK_OBSERVATION_SECONDS for GitHub. */
  stuckObservations: number;
  observationsWritten: number;
  observationsFailed: number;
  uptimeSeconds: number;
  /** Which replica answered: REPLICA_ID, or hostname-pid. */
  replica: string;
  /** Whether the replicas' shared Redis (REDIS_URL) answers PING; absent without REDIS_URL. */
  redisReachable?: boolean | undefined;
}

/**
 * GET /health: 200 with a small JSON body while the app can do its job (status "ok", or
 * "degraded" with a `reason`), 503 with the reason (`problem`) when it cannot (e.g. the journal
 * is not writable). Other requests pass through.
 */
export function healthHandler(report: () => Promise<HealthReport>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/health") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "application/json" }).end(JSON.stringify({ error: "use GET /health" }));
      return true;
    }
    let body: HealthReport | { status: "unavailable"; problem: string };
    try {
      body = await report();
    } catch (err) {
      body = { status: "unavailable", problem: `health check failed: ${(err as Error).message}` };
    }
    res.writeHead(body.status === "unavailable" ? 503 : 200, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify(body));
    return true;
  };
}

/**
 * The status line of the report: unavailable when the store cannot take points, degraded (with
 * the reason) when observations wait longer than `stuckAfterMs` for GitHub, ok otherwise.
 */
export function healthStatus(
  storeOk: boolean,
  stuck: { count: number; oldest?: { pr: string; waitedMs: number } | undefined },
  stuckAfterMs: number,
): Pick<HealthReport, "status" | "reason"> {
  if (!storeOk) return { status: "unavailable" };
  if (stuck.count === 0 || !stuck.oldest) return { status: "ok" };
  const s = (ms: number) => `${Math.round(ms / 1000)} s`;
  const what = stuck.count === 1 ? "1 observation" : `${stuck.count} observations`;
  return {
    status: "degraded",
    reason: `${what} waiting longer than ${s(stuckAfterMs)} for GitHub; oldest ${stuck.oldest.pr} for ${s(stuck.oldest.waitedMs)}`,
  };
}

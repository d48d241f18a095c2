import type { IncomingMessage, ServerResponse } from "node:http";
import type { StoreHealth } from "../store/open-store.js";

/** The body of GET /health. */
export interface HealthReport extends StoreHealth {
  status: "ok" | "unavailable";
  /** PRs waiting for their coalescing window or being fetched, and background look-ups. */
  pending: number;
  observationsWritten: number;
  observationsFailed: number;
  uptimeSeconds: number;
}

/**
 * GET /health: 200 with a small JSON body while the app can do its job, 503 with the reason
 * (`problem`) when it cannot (e.g. the journal is not writable). Other requests pass through.
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
    res.writeHead(body.status === "ok" ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : JSON.stringify(body));
    return true;
  };
}

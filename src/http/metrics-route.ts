import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/**
 * GET /metrics: the registry in Prometheus' text format. With a token (METRICS_TOKEN) a request
 * must carry `Authorization: Bearer <token>` (401 otherwise, compared in constant time); without
 * one the route is open, as /health is. Other paths pass through.
 */
export function metricsHandler(registry: Registry, token: string | undefined) {
  const expected = token ? digest(token) : undefined;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if ((req.url ?? "").split("?", 1)[0] !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("use GET /metrics\n");
      return true;
    }
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="pr-telemetry metrics"' }).end("send Authorization: Bearer <METRICS_TOKEN>\n");
        return true;
      }
    }
    try {
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? undefined : text);
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end(`could not gather the metrics: ${(err as Error).message}\n`);
    }
    return true;
  };
}

// Comparing digests keeps timingSafeEqual's equal-length rule from leaking the token's length.
function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

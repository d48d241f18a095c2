import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** A request the capture server received, its body un-gzipped. */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  /** The body as sent (possibly gzip). */
  raw: Buffer;
  /** The body as text, gunzipped when Content-Encoding was gzip. */
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A node:http server on 127.0.0.1 that records every request and answers with `respond` (by
 * default 204, as InfluxDB answers an accepted write). Stands in for InfluxDB 2 where no real one
 * is available; replies mirror InfluxDB 2's shapes ({"code": ..., "message": ...}).
 */
export async function startCaptureServer(respond: (req: CapturedRequest) => Reply = () => ({ status: 204 })): Promise<{
  url: string;
  requests: CapturedRequest[];
  respond: (fn: (req: CapturedRequest) => Reply) => void;
  close(): Promise<void>;
}> {
  const requests: CapturedRequest[] = [];
  let handler = respond;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
      const captured = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, raw, body };
      requests.push(captured);
      const reply = handler(captured);
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (fn) => {
      handler = fn;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { createServer, request, Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A load balancer in front of replicas, for tests: each request goes to the next backend in turn. */
export interface RoundRobinProxy {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The backends' base URLs, in turn order; replace one (a restarted replica on a new port) in place. */
  backends: string[];
  /** How many requests each backend answered, by URL. */
  answered: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Starts a round-robin HTTP proxy on 127.0.0.1. A backend that refuses the connection (a killed
 * replica) is skipped for that request, as a load balancer's health check would; when every one
 * refuses, the client gets 502. Hand-written: a test needs 40 lines, not a proxy library.
 */
export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  const answered = new Map<string, number>();
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let turn = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const order = backends.map((_, i) => backends[(turn + i) % backends.length]!);
    turn = (turn + 1) % Math.max(1, backends.length);
    for (const backend of order) {
      const target = new URL(req.url ?? "/", backend);
      const ok = await new Promise<boolean>((resolve) => {
        const out = request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on("end", () => resolve(true));
        });
        out.on("error", () => resolve(res.headersSent));
        out.end(body);
      });
      if (ok) {
        answered.set(backend, (answered.get(backend) ?? 0) + 1);
        return;
      }
    }
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end("no replica answered");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    backends,
    answered,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { sign } from "@octokit/webhooks-methods";
import type { WebhookDelivery } from "./fake-github/webhook-payloads.js";

/** What the app answered to one delivery. */
export interface DeliveryResult {
  id: string;
  name: string;
  status: number;
  body: string;
  /** From the first byte sent to the whole answer received. */
  ms: number;
}

/** A delivery serialised and signed, ready to send. */
export interface PreparedDelivery {
  delivery: WebhookDelivery;
  body: string;
  signature: string;
}

export interface WebhookSenderOptions {
  /** The app's base URL, e.g. http://127.0.0.1:3000 (the webhook path is added). */
  appUrl: string;
  secret: string;
  /** Default: Probot's /api/github/webhooks. */
  path?: string;
  /** Concurrent connections kept alive (default 16). */
  maxSockets?: number;
}

/**
 * Sends webhook deliveries the way GitHub does: a POST of the JSON payload with X-GitHub-Event,
 * X-GitHub-Delivery and X-Hub-Signature-256 (HMAC-SHA256 of the body with the webhook secret,
 * computed by @octokit/webhooks-methods, the library Probot verifies with). Keeps every result so
 * a test knows which deliveries the app acknowledged.
 */
export class WebhookSender {
  readonly results: DeliveryResult[] = [];
  readonly #url: URL;
  readonly #secret: string;
  readonly #agent: Agent;

  constructor(options: WebhookSenderOptions) {
    this.#url = new URL(options.path ?? "/api/github/webhooks", options.appUrl);
    this.#secret = options.secret;
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
  }

  /** Serialises and signs a delivery ahead of time (benchmarks keep this out of the timed part). */
  async prepare(delivery: WebhookDelivery, options: { signature?: string; secret?: string } = {}): Promise<PreparedDelivery> {
    const body = JSON.stringify(delivery.payload);
    const signature = options.signature ?? (await sign(options.secret ?? this.#secret, body));
    return { delivery, body, signature };
  }

  /** Sends one delivery; resolves with the app's answer (a refused connection rejects). */
  async send(delivery: WebhookDelivery, options: { signature?: string; secret?: string } = {}): Promise<DeliveryResult> {
    return this.sendPrepared(await this.prepare(delivery, options));
  }

  /**
   * Sends a prepared delivery; `ms` covers only the HTTP exchange. A request on a kept-alive
   * socket that the server closed as idle at that moment fails with no answer ("socket hang up",
   * ECONNRESET); it is sent again once on a new socket, as Node's docs advise (request.reusedSocket).
   * The app cannot have taken it: it never answered.
   */
  async sendPrepared(prepared: PreparedDelivery): Promise<DeliveryResult> {
    try {
      return await this.#sendOnce(prepared);
    } catch (err) {
      if (!(err as { reusedSocket?: boolean }).reusedSocket) throw err;
      return this.#sendOnce(prepared);
    }
  }

  async #sendOnce({ delivery, body, signature }: PreparedDelivery): Promise<DeliveryResult> {
    const started = performance.now();
    const result = await new Promise<DeliveryResult>((resolve, reject) => {
      const req = request(
        this.#url,
        {
          method: "POST",
          agent: this.#agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "user-agent": "GitHub-Hookshot/fake",
            "x-github-event": delivery.name,
            "x-github-delivery": delivery.id,
            "x-github-hook-id": "1",
            "x-github-hook-installation-target-type": "integration",
            "x-github-hook-installation-target-id": "1",
            "x-hub-signature-256": signature,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              id: delivery.id,
              name: delivery.name,
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const answerless = err.code === "ECONNRESET" || err.message === "socket hang up";
        reject(answerless && req.reusedSocket ? Object.assign(err, { reusedSocket: true }) : err);
      });
      req.end(body);
    });
    this.results.push(result);
    return result;
  }

  /** Deliveries the app acknowledged with a 2xx. */
  acknowledged(): DeliveryResult[] {
    return this.results.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Sends deliveries with at most `concurrency` in flight (GitHub delivers concurrently too). */
  async sendAll(deliveries: Array<WebhookDelivery | PreparedDelivery>, concurrency = 8): Promise<DeliveryResult[]> {
    const out: DeliveryResult[] = new Array(deliveries.length);
    let next = 0;
    const worker = async () => {
      while (next < deliveries.length) {
        const i = next++;
        const d = deliveries[i]!;
        out[i] = "body" in d ? await this.sendPrepared(d) : await this.send(d);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, deliveries.length) }, worker));
    return out;
  }

  close(): void {
    this.#agent.destroy();
  }
}

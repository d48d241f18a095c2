import { createServer, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookBodyLimit } from "../../src/http/webhook-body-limit.js";

// The cap in front of Probot's webhook middleware, on a bare http server: what the sender sees
// after an early 413. (test/http/webhook-route.test.ts covers the cap inside the real app.)

const MB = 1024 * 1024;
const HEAD = [
  "POST /api/github/webhooks HTTP/1.1",
  "host: 127.0.0.1",
  "content-type: application/json",
  "x-github-event: pull_request",
  "x-github-delivery: d",
  "x-hub-signature-256: sha256=00",
  "transfer-encoding: chunked",
].join("\r\n");

let server: Server;
let port: number;
beforeAll(async () => {
  const inner = (async (_req: unknown, res: { end: (s: string) => void }) => (res.end("passed on"), true)) as never;
  const middleware = webhookBodyLimit(inner, { path: "/api/github/webhooks", maxBytes: 4 * MB, log: { warn() {} } });
  server = createServer((req, res) => void middleware(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function writeChunk(socket: Socket, piece: Buffer): Promise<void> {
  const a = socket.write(`${piece.length.toString(16)}\r\n`);
  const b = socket.write(piece);
  if (!(socket.write("\r\n") && a && b) && !socket.destroyed) {
    await new Promise<void>((resolve) => {
      const done = () => (socket.off("drain", done).off("close", done), resolve());
      socket.on("drain", done).on("close", done);
    });
  }
}

describe("the 413 for a body still being sent", () => {
  it("lingers: what the sender writes after the answer is read and dropped, so the answer is not reset away", async () => {
    // Half-open allowed, as a sender that is still writing its body: the server's FIN does not
    // end the writing side.
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const events: string[] = [];
    let received = "";
    const answered = new Promise<void>((resolve) =>
      socket.on("data", (d: Buffer) => {
        received += d.toString("utf8");
        if (received.includes("\r\n\r\n")) resolve();
      }),
    );
    const ended = new Promise<void>((resolve) => {
      socket.on("error", (err: NodeJS.ErrnoException) => (events.push(`error ${err.code}`), resolve()));
      socket.on("end", () => (events.push("end"), resolve()));
    });
    socket.write(`${HEAD}\r\n\r\n`);
    const piece = Buffer.alloc(MB, "a");
    let sent = 0;
    while (!received.includes("\r\n\r\n")) {
      await writeChunk(socket, piece);
      sent += piece.length;
      if (sent > 64 * MB) throw new Error("no answer after 64 MB");
    }
    await answered;
    // A sender that has not read the answer yet goes on writing: before the lingering close the
    // server reset the socket at once (EPIPE / ECONNRESET here, and the 413 could be lost).
    for (let i = 0; i < 8 && !socket.destroyed; i++) await writeChunk(socket, piece);
    if (!socket.destroyed) socket.end("0\r\n\r\n");
    await ended;
    await new Promise((r) => setTimeout(r, 100)); // a reset would follow the FIN now
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(events).toEqual(["end"]);
  });

  it("does not linger for ever: a sender that never stops is cut off", { timeout: 15_000 }, async () => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let received = "";
    let closed = false;
    socket.on("data", (d: Buffer) => (received += d.toString("utf8")));
    socket.on("error", () => undefined);
    socket.on("close", () => (closed = true));
    socket.write(`${HEAD}\r\n\r\n`);
    const piece = Buffer.alloc(256 * 1024, "a");
    const started = Date.now();
    while (!closed) {
      await writeChunk(socket, piece);
      if (Date.now() - started > 12_000) break;
    }
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(closed).toBe(true);
  });
});

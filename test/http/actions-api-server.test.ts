import { createServer } from "node:net";
import { Probot, ProbotOctokit, Server } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { registerClosed } from "../../src/handlers/closed.js";
import { registerInferredActions } from "../../src/handlers/inferred-actions.js";
import { actionsApiHandler } from "../../src/http/actions-api.js";
import { allPoints, example, seedRepoConfig, silent, testDeliveries, testRuntime } from "../actions/test-runtime.js";
import { generateKeyPairSync, createHmac } from "node:crypto";

type TestRuntime = Awaited<ReturnType<typeof testRuntime>>;
let runtime: TestRuntime | undefined;
let server: Server | undefined;
afterEach(async () => {
  await server?.stop();
  await runtime?.cleanup();
});

// Probot's Server treats port 0 as "use 3000", so ask the OS for a free port first.
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("the actions API inside Probot's server, next to its webhook endpoint", () => {
  it("takes actions on /api/actions while webhooks still reach the handlers", async () => {
    runtime = await testRuntime({ ACTIONS_API_TOKEN: "t0ken", ORCHESTRATOR_LOGINS: "Codertocat" });
    await seedRepoConfig(runtime, "Codertocat/Hello-World", {});
    const port = await freePort();
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    server = new Server({
      Probot: Probot.defaults({
        appId: 1,
        privateKey,
        secret: "webhook-secret",
        Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
      }),
      port,
      host: "127.0.0.1",
      log: silent,
    });
    const rt = runtime;
    const deliveries = await testDeliveries(rt);
    // The wiring src/index.ts does.
    await server.load((app, { addHandler }) => {
      registerClosed(app, rt, deliveries);
      registerInferredActions(app, rt, deliveries);
      addHandler(actionsApiHandler(rt));
    });
    await server.start();
    const base = `http://127.0.0.1:${port}`;

    const api = await fetch(`${base}/api/actions`, {
      method: "POST",
      headers: { authorization: "Bearer t0ken", "content-type": "application/json" },
      body: JSON.stringify({ repo: "dappcore/core", pr: 315, action: "request_review_fix", time: "2026-02-05T09:00:00Z" }),
    });
    expect(api.status).toBe(202);

    const body = JSON.stringify(example("pull_request", "closed"));
    const hook = await fetch(`${base}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "webhook-secret").update(body).digest("hex")}`,
      },
      body,
    });
    expect(hook.status).toBe(200);

    const points = await allPoints(rt);
    // The two webhook handlers run concurrently: compare without their order.
    expect(points.map((p) => [p.measurement, p.tags.repo, p.fields.action ?? p.fields.result]).sort()).toEqual([
      ["action_taken", "Codertocat/Hello-World", "close"],
      ["action_taken", "dappcore/core", "request_review_fix"],
      ["outcome", "Codertocat/Hello-World", "closed"],
    ]);
    expect(await rt.attempts.get("dappcore/core", 315)).toEqual({ conflictAttempts: 0, reviewFixAttempts: 1 });
  });
});

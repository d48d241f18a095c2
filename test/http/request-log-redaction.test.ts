import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Probot, Server } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type AppHandle } from "../../src/app.js";
import { loadLogConfig } from "../../src/config.js";
import { createLog } from "../../src/http/create-log.js";
import { redactQuery } from "../../src/http/redact-query.js";
import { appCredentials, freePort, startApp, type AppProcess } from "../helpers/app-process.js";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github/index.js";
import { TestOctokit } from "../helpers/test-probot.js";

// A client may send a secret in a query string (POST /api/actions?token=...) or, as it should,
// in the Authorization header: neither may reach the request log Probot writes with pino-http.

const QUERY_SECRET = "s3cret-in-the-query";
const API_TOKEN = "api-token-in-the-header";

async function requestWithSecrets(base: string): Promise<void> {
  const res = await fetch(`${base}/api/actions?token=${QUERY_SECRET}&repo=octo/x`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: "{}",
  });
  await res.arrayBuffer();
}

describe("loadLogConfig (Probot's logging variables, read as Probot reads them)", () => {
  it("defaults to info, pretty, and json when NODE_ENV=production; refuses an unknown LOG_LEVEL naming it", () => {
    expect(loadLogConfig({})).toEqual({ level: "info", format: "pretty", levelInString: false, messageKey: undefined, sentryDsn: undefined });
    expect(loadLogConfig({ NODE_ENV: "production" }).format).toBe("json");
    expect(loadLogConfig({ NODE_ENV: "production", LOG_FORMAT: "pretty", LOG_LEVEL: "warn", LOG_LEVEL_IN_STRING: "true" })).toMatchObject({ format: "pretty", level: "warn", levelInString: true });
    const env: Record<string, string> = { LOG_LEVEL: "verbose" }; // Probot types LOG_LEVEL as its levels
    expect(() => loadLogConfig(env)).toThrow(/LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "verbose"/);
  });
});

describe("redactQuery", () => {
  it("keeps the path and the names, drops every value", () => {
    expect(redactQuery("/api/actions?token=secret")).toBe("/api/actions?token=[redacted]");
    expect(redactQuery("/api/actions?a=1&b=&ghp_abc")).toBe("/api/actions?a=[redacted]&b=[redacted]&[redacted]");
    expect(redactQuery("/health")).toBe("/health");
  });
});

describe("the request log of the app's server (createLog)", () => {
  let dataDir: string;
  let handle: AppHandle;
  let server: Server | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "redaction-"));
  });
  afterEach(async () => {
    await server?.stop();
    await handle?.shutdown();
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each(["json", "pretty"] as const)("in %s format, carries neither the query's secret nor the Authorization header", async (format) => {
    let output = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        output += String(chunk);
        done();
      },
    });
    const log = await createLog({ ...loadLogConfig({ LOG_LEVEL: "info" }), format }, sink);
    handle = createApp({ env: { DATA_DIR: dataDir, ACTIONS_API_TOKEN: API_TOKEN, SWEEP_INTERVAL_MINUTES: "0" } });
    server = new Server({ host: "127.0.0.1", port: await freePort(), log, Probot: Probot.defaults({ githubToken: "t", secret: "s", Octokit: TestOctokit, log }) });
    await server.load(handle.appFn);
    await server.start();
    await requestWithSecrets(`http://127.0.0.1:${server.port}`);
    await sleep(100); // the transform stream writes asynchronously
    expect(output).toContain("POST /api/actions?token=[redacted]&repo=[redacted]");
    expect(output).not.toContain(QUERY_SECRET);
    expect(output).not.toContain(API_TOKEN);
  });
});

describe("the request log of `npm start` (src/main.ts)", () => {
  let gh: FakeGitHub;
  let app: AppProcess;
  beforeAll(async () => {
    gh = await startFakeGitHub({ appId: appCredentials().appId, appPublicKey: appCredentials().publicKey });
    app = await startApp({ githubHost: gh.host, env: { LOG_LEVEL: "info", ACTIONS_API_TOKEN: API_TOKEN } });
  });
  afterAll(async () => {
    await app?.stop();
    await gh?.close();
    if (app) await rm(app.dataDir, { recursive: true, force: true });
  });

  it("logs POST /api/actions?token=... with the value redacted", async () => {
    await requestWithSecrets(app.url);
    await sleep(300);
    const lines = app.output.filter((l) => l.includes("/api/actions"));
    expect(lines.some((l) => l.includes("token=[redacted]")), app.output.slice(-10).join("\n")).toBe(true);
    expect(app.output.join("\n")).not.toContain(QUERY_SECRET);
    expect(app.output.join("\n")).not.toContain(API_TOKEN);
  });
});

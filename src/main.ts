import { run, type Server } from "probot";
import { createApp } from "./app.js";
import { loadLogConfig } from "./config.js";
import { ConfigError } from "./errors.js";
import { createLog } from "./http/create-log.js";

// `npm start`: Probot's own runner (it reads APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST,
// GHE_HOST... and, without credentials, serves the manifest flow that registers the app), plus
// a graceful stop: GitHub does not redeliver failed deliveries, so what was acknowledged is
// drained on SIGTERM/SIGINT before the process exits.
const app = createApp();
let server: Server;
try {
  // Probot's logger, except that request logs are redacted (query values, Authorization).
  server = await run(app.appFn, { log: await createLog(loadLogConfig()) });
} catch (err) {
  const message = err instanceof ConfigError ? err.message : `pr-telemetry could not start: ${(err as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

// Probot's runner stops on SIGINT without draining; replace it with ours.
process.removeAllListeners("SIGINT");
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      // Stop taking deliveries; a connection that lingers must not eat the drain's grace period.
      await Promise.race([server.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
      await app.shutdown();
      process.exit(0);
    })();
  });
}

import { run } from "probot";
import { limitWebhookBodies } from "../src/http/webhook-body-limit.js";

// bench/bare-probot-app.ts with pr-telemetry's webhook body cap in front of Probot's webhook route
// (src/http/webhook-body-limit.ts) and nothing else: the `webhook-body-cap` scenario compares the two.
await run((app) => {
  limitWebhookBodies(app, app.log);
  app.onAny(async () => {});
});

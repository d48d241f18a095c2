import { run } from "probot";

// The ceiling the webhook benchmark compares pr-telemetry with: Probot's own server (the same
// `run` users start, same env: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST, GHE_HOST) with an
// app that does nothing but acknowledge. Whatever pr-telemetry adds per delivery shows against it.
await run((app) => {
  app.onAny(async () => {});
});

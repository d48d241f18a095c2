export { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from "./start-fake-github.js";
export * from "./model.js";
export { Faults, type FaultKind, type FaultRule, type ActiveFault } from "./faults.js";
export { RequestLog, type RecordedRequest } from "./request-log.js";
export { WebhookPayloads, type WebhookDelivery } from "./webhook-payloads.js";
export { expectedSignals } from "./expected-signals.js";
export { githubSchema } from "./github-schema.js";
export { restPull, restRepo, restUser, exampleOf } from "./rest-shapes.js";

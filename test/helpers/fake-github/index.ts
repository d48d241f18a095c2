/**
 * The fake GitHub for end-to-end tests and benchmarks.
 *
 *   const gh = await startFakeGitHub({ appId, appPublicKey });   // 127.0.0.1, a free port
 *   // the app: GHE_HOST=gh.host GHE_PROTOCOL=http (REST at gh.restUrl, GraphQL at gh.graphqlUrl)
 *   const repo = gh.model.addRepo("acme/rocket", { requiredApprovals: 1, requiredChecks: ["build"] });
 *   const pr = gh.model.openPullRequest(repo, { author: "jules[bot]", draft: true });
 *   gh.model.completeCheck(pr, "build", "FAILURE");          // push, review, thread, merge...
 *   const payloads = new WebhookPayloads(gh.model);          // deliveries shaped like GitHub's
 *   await sender.send(payloads.checkRun(pr, run));           // ../webhook-sender.ts signs them
 *   gh.requests.count("POST /graphql", since);               // API cost
 *   gh.faults.add({ kind: "bad-gateway", route: "POST /graphql", times: 3 });
 *   expectedSignals(gh.model, pr);                           // the pr_observation truth
 *   await gh.close();
 */
export { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from "./start-fake-github.js";
export * from "./model.js";
export { Faults, type FaultKind, type FaultRule, type ActiveFault } from "./faults.js";
export { RequestLog, type RecordedRequest } from "./request-log.js";
export { Budget, graphqlCost, type BudgetOptions } from "./budget.js";
export { WebhookPayloads, type WebhookDelivery } from "./webhook-payloads.js";
export { expectedSignals } from "./expected-signals.js";
export { githubSchema } from "./github-schema.js";
export { restPull, restRepo, restUser, exampleOf } from "./rest-shapes.js";

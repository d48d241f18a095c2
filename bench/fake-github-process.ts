import { startFakeGitHub } from "../test/helpers/fake-github/index.js";
import { seedBenchModel } from "./seed-bench-model.js";

// The fake GitHub in a process of its own, so that answering the app's GitHub requests does not
// take CPU from the benchmark's load generator during the app's rounds only (which would bias
// the comparison with the bare app, which asks GitHub nothing). argv: a JSON object
// {appId, publicKey, repos, prsPerRepo, graphqlDelayMs?}. Prints "READY <host>" and the request counts by route
// on "counts" (a line on stdin), and exits when stdin closes.
const { appId, publicKey, repos, prsPerRepo, graphqlDelayMs } = JSON.parse(process.argv[2] ?? "{}") as { appId: number; publicKey: string; repos: number; prsPerRepo: number; graphqlDelayMs?: number };
const gh = await startFakeGitHub({ appId, appPublicKey: publicKey });
seedBenchModel(gh.model, repos, prsPerRepo);
// A slow GitHub (the soak scenario's "far behind" regime): every GraphQL answer that much late.
if (graphqlDelayMs) gh.faults.add({ kind: "slow", route: "POST /graphql", times: Infinity, delayMs: graphqlDelayMs });
process.stdout.write(`READY ${gh.host}\n`);
process.stdin.setEncoding("utf8");
process.stdin.on("data", (line: string) => {
  if (line.trim() === "counts") process.stdout.write(`COUNTS ${JSON.stringify(gh.requests.byRoute())}\n`);
});
process.stdin.on("end", () => {
  void gh.close().then(() => process.exit(0));
});

import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { createAttemptCounters } from "../../src/actions/attempt-counters.js";
import { loadConfig } from "../../src/config.js";
import { DeliveryLog } from "../../src/pipeline/delivery-log.js";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import type { Runtime } from "../../src/runtime.js";
import { openStore } from "../../src/store/open-store.js";
import type { Point } from "../../src/store/point.js";
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };

export const silent = pino({ level: "silent" });

let privateKey: string | undefined;
function key(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return privateKey;
}

/** A Probot as the house rules build it in tests: no retries, no throttling, silent. */
export function testProbot(): Probot {
  return new Probot({
    appId: 1,
    privateKey: key(),
    Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    log: silent,
  });
}

/** A Runtime on a fresh DATA_DIR, with real attempt counters; `cleanup` closes and removes it. */
export async function testRuntime(env: NodeJS.ProcessEnv = {}): Promise<Runtime & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "pr-telemetry-actions-"));
  const config = loadConfig({ DATA_DIR: dataDir, FLUSH_INTERVAL_MS: "10", ...env });
  const store = await openStore(config, silent);
  const attempts = await createAttemptCounters(store, silent, { refreshMs: 0 });
  return {
    config,
    log: silent,
    store,
    repoConfigs: new RepoConfigCache(60_000),
    attempts,
    dataDir,
    async cleanup() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Seeds the repo-config cache as if .github/pr-telemetry.yml held `raw`. */
export async function seedRepoConfig(runtime: Runtime, repo: string, raw: unknown): Promise<void> {
  await runtime.repoConfigs.get(repo, async () => raw, silent);
}

/** Every point in the runtime's store. */
export async function allPoints(runtime: Pick<Runtime, "store">): Promise<Point[]> {
  const points: Point[] = [];
  for await (const p of runtime.store.read()) points.push(p);
  return points;
}

/** A deep copy of a real payload from @octokit/webhooks-examples. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function example(name: string, action: string, index = 0): any {
  const family = (examples as { name: string; examples: { action?: string }[] }[]).find((e) => e.name === name);
  const found = family?.examples.filter((e) => e.action === action)[index];
  if (!found) throw new Error(`no ${name}.${action} example #${index} in @octokit/webhooks-examples`);
  return structuredClone(found);
}

/** nock for the installation token Probot asks for before any REST call. */
export function nockInstallationToken(scope: nock.Scope, installationId = 1): nock.Scope {
  return scope
    .post(`/app/installations/${installationId}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: { pull_requests: "read" }, repository_selection: "all" });
}

/** The app's delivery log on the runtime's DATA_DIR (held outcomes and actions go there), loaded. */
export async function testDeliveries(runtime: Runtime): Promise<DeliveryLog> {
  const deliveries = new DeliveryLog(join(runtime.config.dataDir, "deliveries"), { log: silent, flushIntervalMs: 10 });
  await deliveries.load();
  return deliveries;
}

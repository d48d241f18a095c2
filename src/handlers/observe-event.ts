import type { Context, Logger } from "probot";
import type { GraphqlFn } from "../github/graphql-client.js";
import { readRepoConfig } from "../github/read-repo-config.js";
import { REPO_CONFIG_FILE, type RepoConfig } from "../repo-config/repo-config.js";
import type { Capture } from "../pipeline/capture.js";
import type { DeliveryRecord } from "../pipeline/delivery-log.js";
import { lazyChildLog } from "../pipeline/lazy-child-log.js";
import type { Runtime } from "../runtime.js";

/** What an event asks to observe: PRs by number, or the PRs of a head commit. */
export interface EventTarget {
  prs: number[];
  sha?: string | undefined;
}

type AnyContext = Context<any>;

/**
 * The common path of every observed event: refuse a redelivery, record the delivery before it
 * is acknowledged, then (in the background, so the webhook is answered at once) read the repo's
 * config, find the PRs of a commit if needed, and hand them to the observer.
 */
export async function observeEvent(context: AnyContext, runtime: Runtime, capture: Capture, target: EventTarget): Promise<void> {
  const payload = context.payload as { repository?: { name?: unknown; owner?: { login?: unknown } }; installation?: { id?: unknown }; action?: unknown };
  const trigger = typeof payload.action === "string" ? `${context.name}.${payload.action}` : context.name;
  const owner = payload.repository?.owner?.login;
  const repo = payload.repository?.name;
  if (typeof owner !== "string" || typeof repo !== "string") {
    context.log.warn({ delivery: context.id, event: trigger }, "payload has no repository; nothing to observe");
    return;
  }
  const prs = target.prs.filter((n) => Number.isInteger(n) && n > 0);
  if (prs.length === 0 && !target.sha) {
    context.log.warn({ delivery: context.id, event: trigger, repo: `${owner}/${repo}` }, "payload names no pull request or commit; nothing to observe");
    return;
  }
  const record: DeliveryRecord = {
    id: context.id,
    trigger,
    installationId: typeof payload.installation?.id === "number" ? payload.installation.id : undefined,
    owner,
    repo,
    prs,
    sha: prs.length === 0 ? target.sha : undefined,
  };
  if (!(await capture.deliveries.accept(record))) {
    context.log.info({ delivery: context.id, event: trigger }, "delivery already recorded (redelivery); nothing new written");
    return;
  }
  scheduleDelivery(record, context, runtime, capture);
}

/**
 * Hands an accepted delivery to the observer. When the repository's settings are cached and the
 * payload names its PRs (the common case) that is done at once, with nothing to wait for;
 * otherwise in the background (config read, commit → PR look-up). Also used to recover
 * deliveries after a crash.
 */
export function scheduleDelivery(
  record: DeliveryRecord,
  context: Pick<AnyContext, "octokit" | "log"> & { config?: AnyContext["config"] },
  runtime: Runtime,
  capture: Capture,
): void {
  const repoName = `${record.owner}/${record.repo}`;
  // Made on first use: it only speaks on failures and at debug level.
  const log = lazyChildLog(context.log, { delivery: record.id, repo: repoName });
  const cached = runtime.repoConfigs.cached(repoName);
  if (cached && record.prs.length > 0) {
    observeAll(record, record.prs, cached, context, capture, log);
    return;
  }
  capture.tasks.run(
    async () => {
      const readConfig = context.config ? () => context.config!(REPO_CONFIG_FILE) : () => readRepoConfig(context.octokit, repoName);
      const settings = await runtime.repoConfigs.get(repoName, readConfig, log);
      let prs = record.prs;
      if (settings.enabled && prs.length === 0 && record.sha) {
        prs = await capture.commitPrs.find(context.octokit, record.owner, record.repo, record.sha);
        if (prs.length === 0) {
          log.debug({ sha: record.sha }, "no open pull request has this commit; nothing to observe");
          capture.deliveries.done([record.id]);
          return;
        }
      }
      observeAll(record, prs, settings, context, capture, log);
    },
    { delivery: record.id, repo: repoName, event: record.trigger },
    "could not schedule the observation (the next event or the sweep records the PR)",
  );
}

function observeAll(record: DeliveryRecord, prs: number[], settings: RepoConfig, context: Pick<AnyContext, "octokit">, capture: Capture, log: Logger): void {
  if (!settings.enabled) {
    log.debug("repository disabled by .github/pr-telemetry.yml (enabled: false); not observed");
    capture.deliveries.done([record.id]);
    return;
  }
  for (const number of prs) {
    capture.observer.observe({
      owner: record.owner,
      repo: record.repo,
      number,
      trigger: record.trigger,
      deliveryId: record.id,
      installationId: record.installationId,
      graphql: context.octokit.graphql as GraphqlFn,
      log,
    });
  }
}

import type { Context } from "probot";
import { REPO_CONFIG_FILE, type RepoConfig } from "../repo-config/repo-config.js";
import type { Capture } from "../pipeline/capture.js";
import type { DeliveryRecord } from "../pipeline/delivery-log.js";
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
  scheduleDelivery(record, runtime, capture);
}

/**
 * Hands an accepted delivery to the observer. When the repository's settings are cached and the
 * payload names its PRs (the common case) that is done at once, with nothing to wait for;
 * otherwise in the background (config read, commit → PR look-up). Also used to recover
 * deliveries after a crash.
 *
 * Nothing of the delivery's Context is kept (not its octokit, not its logger): what waits holds
 * the small record and the installation's shared clients (see InstallationClients), so memory
 * does not grow with the deliveries that arrive while GitHub is slow.
 */
export function scheduleDelivery(record: DeliveryRecord, runtime: Runtime, capture: Capture): void {
  const repoName = `${record.owner}/${record.repo}`;
  const cached = runtime.repoConfigs.cached(repoName);
  if (cached && record.prs.length > 0) {
    observeAll(record, record.prs, cached, runtime, capture);
    return;
  }
  capture.tasks.run(
    async () => {
      const readConfig = async () => {
        const octokit = await capture.clients.octokit(record.installationId);
        return (await octokit.config.get({ owner: record.owner, repo: record.repo, path: `.github/${REPO_CONFIG_FILE}` })).config;
      };
      const settings = await runtime.repoConfigs.get(repoName, readConfig, runtime.log);
      let prs = record.prs;
      let commit: string | undefined;
      if (settings.enabled && prs.length === 0 && record.sha) {
        commit = record.sha;
        prs = await capture.commitPrs.find(await capture.clients.octokit(record.installationId), record.owner, record.repo, record.sha);
        if (prs.length === 0) {
          runtime.log.debug({ delivery: record.id, repo: repoName, sha: record.sha }, "no open pull request has this commit; nothing to observe");
          capture.deliveries.done([record.id]);
          return;
        }
      }
      observeAll(record, prs, settings, runtime, capture, commit);
    },
    { delivery: record.id, repo: repoName, event: record.trigger },
    "could not schedule the observation (the next event or the sweep records the PR)",
  );
}

function observeAll(record: DeliveryRecord, prs: number[], settings: RepoConfig, runtime: Runtime, capture: Capture, commit?: string): void {
  if (!settings.enabled) {
    runtime.log.debug({ delivery: record.id, repo: `${record.owner}/${record.repo}` }, "repository disabled by .github/pr-telemetry.yml (enabled: false); not observed");
    capture.deliveries.done([record.id]);
    return;
  }
  const graphql = capture.clients.graphql(record.installationId);
  for (const number of prs) {
    capture.observer.observe({
      owner: record.owner,
      repo: record.repo,
      number,
      trigger: record.trigger,
      deliveryId: record.id,
      seq: record.seq,
      commit,
      installationId: record.installationId,
      graphql,
    });
  }
}

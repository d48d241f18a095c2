import type { Context } from "probot";
import { readRepoConfig } from "../github/read-repo-config.js";
import type { RepoConfig } from "../repo-config/repo-config.js";
import type { Capture } from "../pipeline/capture.js";
import type { DeliveryRecord } from "../pipeline/delivery-log.js";
import type { MergedDeliveries, WaitingGroup } from "../pipeline/waiting-deliveries.js";
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
 * Nothing of the delivery's Context is kept (not its octokit, not its logger), and deliveries
 * that wait for the same config read or commit look-up are merged per PR and per commit
 * (WaitingDeliveries): one entry, however many deliveries arrive while GitHub is slow.
 */
export function scheduleDelivery(record: DeliveryRecord, runtime: Runtime, capture: Capture): void {
  const settings = runtime.repoConfigs.cached(`${record.owner}/${record.repo}`);
  if (!settings) {
    waitForConfig(record, runtime, capture);
  } else if (!settings.enabled) {
    runtime.log.debug({ delivery: record.id, repo: `${record.owner}/${record.repo}` }, DISABLED);
    capture.deliveries.done([record.id]);
  } else if (record.prs.length > 0) {
    const graphql = capture.clients.graphqlFor(record.installationId);
    for (const number of record.prs) {
      capture.observer.observe({ owner: record.owner, repo: record.repo, number, trigger: record.trigger, deliveryId: record.id, seq: record.seq, installationId: record.installationId, graphql });
    }
  } else if (record.sha !== undefined) {
    const merged = { trigger: record.trigger, deliveryId: record.id, seq: record.seq, deliveries: 1 };
    waitForCommit(record, record.sha, merged, runtime, capture);
  }
}

const DISABLED = "repository disabled by .github/pr-telemetry.yml (enabled: false); not observed";

/** The repository's config is not cached: one read for all the deliveries that arrive meanwhile. */
function waitForConfig(record: DeliveryRecord, runtime: Runtime, capture: Capture): void {
  const repoName = `${record.owner}/${record.repo}`;
  const key = `config ${repoName}`;
  if (!capture.waiting.add(key, record)) return;
  capture.tasks.run(
    async () => {
      let settings: RepoConfig;
      let group: WaitingGroup;
      try {
        const readConfig = async () => readRepoConfig(await capture.clients.octokit(record.installationId), repoName);
        settings = await runtime.repoConfigs.get(repoName, readConfig, runtime.log);
      } finally {
        group = capture.waiting.take(key)!;
      }
      if (!settings.enabled) {
        runtime.log.debug({ repo: repoName, deliveries: count(group) }, DISABLED);
        capture.deliveries.observed([
          ...[...group.prs].map(([number, m]) => ({ owner: group.owner, repo: group.repo, number, through: m.seq, commits: [], deliveries: m.deliveries })),
          ...[...group.shas].map(([sha, m]) => ({ owner: group.owner, repo: group.repo, through: undefined, commits: m.seq === undefined ? [] : [[sha, m.seq] as [string, number]], deliveries: m.deliveries })),
        ]);
        return;
      }
      const graphql = capture.clients.graphqlFor(group.installationId);
      for (const [number, m] of group.prs) {
        capture.observer.observe({ owner: group.owner, repo: group.repo, number, trigger: m.trigger, deliveryId: m.deliveryId, seq: m.seq, deliveries: m.deliveries, installationId: group.installationId, graphql });
      }
      for (const [sha, m] of group.shas) waitForCommit(group, sha, m, runtime, capture);
    },
    { delivery: record.id, repo: repoName, event: record.trigger },
    "could not schedule the observation (the next event or the sweep records the PR)",
  );
}

/** A delivery that names a commit, not its PRs: one look-up for all the deliveries of the commit that arrive meanwhile. */
function waitForCommit(base: Pick<WaitingGroup, "owner" | "repo" | "installationId">, sha: string, merged: MergedDeliveries, runtime: Runtime, capture: Capture): void {
  const repoName = `${base.owner}/${base.repo}`;
  const key = `commit ${repoName}@${sha}`;
  if (!capture.waiting.merge(key, base, [{ sha, merged }])) return;
  capture.tasks.run(
    async () => {
      let prs: number[];
      let m: MergedDeliveries;
      try {
        prs = await capture.commitPrs.find(await capture.clients.octokit(base.installationId), base.owner, base.repo, sha);
      } finally {
        m = capture.waiting.take(key)!.shas.get(sha)!;
      }
      if (prs.length === 0) {
        runtime.log.debug({ delivery: m.deliveryId, deliveries: m.deliveries, repo: repoName, sha }, "no open pull request has this commit; nothing to observe");
        if (m.seq !== undefined) capture.deliveries.observed([{ owner: base.owner, repo: base.repo, through: undefined, commits: [[sha, m.seq]], deliveries: m.deliveries }]);
        return;
      }
      const graphql = capture.clients.graphqlFor(base.installationId);
      for (const number of prs) {
        capture.observer.observe({ owner: base.owner, repo: base.repo, number, trigger: m.trigger, deliveryId: m.deliveryId, seq: m.seq, commit: sha, deliveries: m.deliveries, installationId: base.installationId, graphql });
      }
    },
    { delivery: merged.deliveryId, repo: repoName, sha },
    "could not find the pull requests of a commit (the next event or the sweep records them)",
  );
}

function count(group: WaitingGroup): number {
  let n = 0;
  for (const m of group.prs.values()) n += m.deliveries;
  for (const m of group.shas.values()) n += m.deliveries;
  return n;
}

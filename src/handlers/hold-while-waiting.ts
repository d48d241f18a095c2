import type { Context, Logger } from "probot";
import type { CommitShape } from "../actions/is-base-merge.js";
import { getCommit } from "../github/get-commit.js";
import { readRepoConfig } from "../github/read-repo-config.js";
import type { DeliveryLog, HeldRecord } from "../pipeline/delivery-log.js";
import { REPO_CONFIG_FILE } from "../repo-config/repo-config.js";
import type { RepoConfigReader } from "../repo-config/repo-config-cache.js";

/** What producing a held record may ask of GitHub: the repository's settings, a commit. */
export interface HeldGitHub {
  readConfig: RepoConfigReader;
  getCommit(sha: string): Promise<CommitShape>;
  log: Logger;
}

/** Produces (writes) what a held record stands for; throws when it could not (it stays held). */
export type ResumeHeld = (record: HeldRecord, github: HeldGitHub) => Promise<void>;

/** The held kinds and how each is resumed at start (src/app.ts). */
export type HeldResumers = Record<HeldRecord["kind"], ResumeHeld>;

/** A repository's GitHub through an octokit (an installation's, or the delivery's). */
export function heldGitHub(
  octokit: Pick<Context["octokit"], "config" | "rest">,
  owner: string,
  repo: string,
  log: Logger,
): HeldGitHub {
  return {
    readConfig: () => readRepoConfig(octokit, `${owner}/${repo}`),
    getCommit: (sha) => getCommit(octokit, owner, repo, sha),
    log,
  };
}

/** The delivery's GitHub: its octokit, and Probot's `context.config` for the settings. */
export function contextGitHub(context: Pick<Context<"pull_request" | "issue_comment">, "octokit" | "config" | "log" | "repo">): HeldGitHub {
  const { owner, repo } = context.repo();
  return { ...heldGitHub(context.octokit, owner, repo, context.log), readConfig: () => context.config(REPO_CONFIG_FILE) };
}

/**
 * Runs `produce` (which waits on GitHub) after holding `record` in the delivery log, and marks
 * it done once `produce` has written what it must. The hold is in the file before the wait, so
 * however slow GitHub is, what the delivery acknowledged is either written or resumed at the
 * next start. A failure of `produce` leaves the record held (and fails the delivery).
 */
export async function holdWhileWaiting(deliveries: Pick<DeliveryLog, "hold" | "done">, record: HeldRecord, produce: () => Promise<void>): Promise<void> {
  // false: held before (a redelivery); producing again is harmless, the writers skip exact repeats.
  await deliveries.hold(record);
  await produce();
  deliveries.done([record.id]);
}

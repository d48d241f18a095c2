import type { Logger, ProbotOctokit } from "probot";
import { countRequests } from "../github/count-requests.js";
import { describeGitHubFailure, SWEEP_NEXT } from "../github/describe-github-failure.js";
import { getInstallation, getRepoInstallationId, listInstallations, type AppInstallation } from "../github/list-installations.js";
import type { SweepTarget } from "./run-sweep.js";
import type { SweepFailure } from "./sweep-summary.js";

/** Probot's `app.auth`: no id gives the app's own (JWT) client, an id an installation's. */
export type AppAuth = (installationId?: number) => Promise<ProbotOctokit>;

/** The targets of an app-authenticated sweep and the requests spent finding them. */
export interface InstallationTargets {
  targets: SweepTarget[];
  requests: number;
  /** Named repositories no installation of the app can reach. */
  failures: SweepFailure[];
}

/**
 * One sweep target per installation of the app, or only `installationId` (src/github asks GitHub;
 * this decides what is swept).
 * Suspended installations are left out: GitHub refuses their tokens. `repos` narrows each
 * installation to those repositories (the CLI's --repo); installations with none of them drop out.
 */
export async function installationTargets(
  auth: AppAuth,
  log: Logger,
  options: { installationId?: number | undefined; repos?: string[] | undefined } = {},
): Promise<InstallationTargets> {
  const app = await auth();
  let requests = 0;
  const stopCounting = countRequests(app, () => {
    requests++;
  });
  try {
    const installations: AppInstallation[] = [];
    if (options.installationId !== undefined) {
      installations.push(await getInstallation(app, options.installationId));
    } else {
      for (const installation of await listInstallations(app)) {
        if (installation.suspended) {
          log.info({ installation: installation.id }, "sweep: installation is suspended; skipped");
          continue;
        }
        installations.push(installation);
      }
    }
    const targets: SweepTarget[] = [];
    const failures: SweepFailure[] = [];
    if (options.repos?.length) {
      // Named repositories: ask GitHub which installation holds each (one request a repository).
      const byInstallation = new Map<number, string[]>();
      for (const repo of options.repos) {
        let id: number;
        try {
          id = await getRepoInstallationId(app, repo);
        } catch (error) {
          failures.push({ repo, reason: `the app is not installed on it: ${describeGitHubFailure(error, SWEEP_NEXT)}` });
          continue;
        }
        if (!installations.some((i) => i.id === id)) {
          const reason =
            options.installationId !== undefined
              ? `it belongs to installation ${id}, not the one named with --installation`
              : `its installation ${id} is suspended: unsuspend the app on that account`;
          failures.push({ repo, reason });
          continue;
        }
        byInstallation.set(id, [...(byInstallation.get(id) ?? []), repo]);
      }
      for (const installation of installations) {
        const repos = byInstallation.get(installation.id);
        if (repos) targets.push({ name: targetName(installation), octokit: await auth(installation.id), repos });
      }
    } else {
      for (const installation of installations) {
        targets.push({ name: targetName(installation), octokit: await auth(installation.id) });
      }
    }
    return { targets, requests, failures };
  } finally {
    stopCounting();
  }
}

function targetName(installation: AppInstallation): string {
  return `installation ${installation.id} (${installation.account})`;
}

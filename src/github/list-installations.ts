import type { ProbotOctokit } from "probot";
import { splitRepo } from "./repo-name.js";

/** One installation of the app, as the sweep needs it. */
export interface AppInstallation {
  id: number;
  /** The account's login (user, organization) or slug (enterprise); "?" when GitHub gives none. */
  account: string;
  /** GitHub refuses a suspended installation's tokens. */
  suspended: boolean;
}

/** Every installation of the app (REST, 100 a page), suspended ones included. `app` is the app's (JWT) octokit. */
export async function listInstallations(app: ProbotOctokit): Promise<AppInstallation[]> {
  const installations: AppInstallation[] = [];
  for await (const page of app.paginate.iterator(app.rest.apps.listInstallations, { per_page: 100 })) {
    for (const installation of page.data) installations.push(appInstallation(installation));
  }
  return installations;
}

/** One installation of the app, by id (GitHub answers 404 for an id that is not the app's). */
export async function getInstallation(app: ProbotOctokit, installationId: number): Promise<AppInstallation> {
  const { data } = await app.rest.apps.getInstallation({ installation_id: installationId });
  return appInstallation(data);
}

/** The id of the installation that holds `owner/name` (GitHub answers 404 when the app is not installed on it). */
export async function getRepoInstallationId(app: ProbotOctokit, repo: string): Promise<number> {
  const [owner, name] = splitRepo(repo);
  return (await app.rest.apps.getRepoInstallation({ owner, repo: name })).data.id;
}

function appInstallation(installation: { id: number; account: unknown; suspended_at?: string | null }): AppInstallation {
  const a = installation.account as { login?: string; slug?: string; name?: string } | null;
  return { id: installation.id, account: a?.login ?? a?.slug ?? a?.name ?? "?", suspended: Boolean(installation.suspended_at) };
}

import type { ProbotOctokit } from "probot";
import type { GraphqlFn } from "./graphql-client.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * One octokit, and one GraphQL function, per installation, for the work a delivery leaves
 * waiting (observations, config reads, commit look-ups). A delivery's own `context.octokit` must
 * not be kept: Probot builds one per delivery and hooks a closure over the whole event (payload
 * included) into it, so every waiting reference kept a webhook payload alive (issue 10 item 6).
 * Installation tokens are cached and renewed by Probot's auth, as for any octokit of `app.auth`.
 */
export class InstallationClients {
  #octokits = new Map<string, Promise<Octokit>>();
  #graphql = new Map<string, GraphqlFn>();

  /** `auth(id)` is Probot's `app.auth`: an installation's octokit, or the app's own without an id. */
  constructor(private readonly auth: (installationId?: number) => Promise<Octokit>) {}

  /** The installation's octokit (the app's own when undefined), made once; a failed auth is tried again next time. */
  octokit(installationId: number | undefined): Promise<Octokit> {
    const key = String(installationId ?? "app");
    let octokit = this.#octokits.get(key);
    if (!octokit) {
      octokit = this.auth(installationId);
      this.#octokits.set(key, octokit);
      octokit.catch(() => this.#octokits.delete(key));
    }
    return octokit;
  }

  /** The installation's GraphQL function: the same function for every delivery of the installation. */
  graphqlFor(installationId: number | undefined): GraphqlFn {
    const key = String(installationId ?? "app");
    let fn = this.#graphql.get(key);
    if (!fn) {
      fn = async (query, variables) => (await this.octokit(installationId)).graphql(query, variables);
      this.#graphql.set(key, fn);
    }
    return fn;
  }
}

import type { Probot } from "probot";
import type { InstallBackfills } from "../backfill/install-backfills.js";

/**
 * `installation.created` and `installation_repositories.added`: backfill the new repositories'
 * history in the background (InstallBackfills: behind live capture; off with
 * BACKFILL_ON_INSTALL_DAYS=0). GitHub sends both events to every app, without a subscription.
 */
export function registerInstallation(app: Pick<Probot, "on">, backfills: Pick<InstallBackfills, "start">): void {
  app.on("installation.created", async (context) => {
    const repos = (context.payload.repositories ?? []).map((r) => r.full_name);
    backfills.start(context.payload.installation.id, repos, context.log);
  });
  app.on("installation_repositories.added", async (context) => {
    const repos = context.payload.repositories_added.map((r) => r.full_name);
    backfills.start(context.payload.installation.id, repos, context.log);
  });
}

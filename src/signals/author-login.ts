import type { PullRequestSnapshot, SnapshotActor } from "../github/pr-snapshot.js";

/**
 * A login as webhooks and the REST API spell it. GraphQL's `Bot.login` drops the `[bot]`
 * suffix (`dependabot` for `dependabot[bot]`), so it is put back; a deleted account (null
 * actor) is `ghost`, as GitHub shows it.
 */
export function actorLogin(actor: SnapshotActor | null | undefined): string {
  if (!actor) return "ghost";
  if (actor.__typename === "Bot" && !actor.login.endsWith("[bot]")) return `${actor.login}[bot]`;
  return actor.login;
}

/** The `author` tag of a pull request: `actorLogin` of its author. */
export function prAuthorLogin(snapshot: Pick<PullRequestSnapshot, "author">): string {
  return actorLogin(snapshot.author);
}

import type { ClosedPullRequestNode } from "../github/queries/closed-pull-requests.js";
import type { SnapshotActor } from "../github/pr-snapshot.js";
import type { ClosedPullRequest } from "../outcomes/close-outcome.js";

/** A login as webhooks and REST spell it: GraphQL's Bot.login lacks the `[bot]` suffix. */
export function restLogin(actor: SnapshotActor | null | undefined): string | undefined {
  if (!actor) return undefined;
  return actor.__typename === "Bot" && !actor.login.endsWith("[bot]") ? `${actor.login}[bot]` : actor.login;
}

/** The close as closeOutcome reads it; undefined while the pull request is open. */
export function closedPullRequestFromNode(repo: string, node: ClosedPullRequestNode): ClosedPullRequest | undefined {
  if (node.state === "OPEN" || (!node.closedAt && !node.mergedAt)) return undefined;
  const mergedAt = node.mergedAt ? new Date(node.mergedAt) : null;
  const closedAt = new Date(node.closedAt ?? node.mergedAt!);
  const events = (node.sweepCloseEvents.nodes ?? []).filter((e): e is NonNullable<typeof e> => e !== null);
  const lastClose = events.filter((e) => e.__typename === "ClosedEvent").at(-1);
  let autoMerge = false;
  if (mergedAt) {
    const autoEvents = events.filter(
      (e) =>
        (e.__typename === "AutoMergeEnabledEvent" || e.__typename === "AutoMergeDisabledEvent") &&
        e.createdAt !== undefined &&
        new Date(e.createdAt).getTime() <= mergedAt.getTime(),
    );
    autoMerge = node.autoMergeRequest !== null || autoEvents.at(-1)?.__typename === "AutoMergeEnabledEvent";
  }
  return {
    repo,
    number: node.number,
    createdAt: new Date(node.createdAt),
    closedAt,
    mergedAt,
    mergedBy: mergedAt ? restLogin(node.mergedBy) : undefined,
    closedBy: mergedAt ? undefined : restLogin(lastClose?.actor),
    autoMerge,
  };
}

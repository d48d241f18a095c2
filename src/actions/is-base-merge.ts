/** The parts of a git commit (GET /repos/{owner}/{repo}/git/commits/{sha}) the check reads. */
export interface CommitShape {
  message: string;
  parents: { sha: string }[];
}

/**
 * Whether the new head of a PR is a merge of the base branch into the previous head, i.e. what
 * GitHub's "Update branch" button (and PUT /pulls/{n}/update-branch) does: a merge commit whose
 * first parent is the old head and whose other parent is the base tip, titled
 * "Merge branch '<base>' into <head>". The base sha in a synchronize payload can lag behind the
 * base branch, so the message also identifies it. A rebase-style update rewrites the commits and
 * cannot be told apart from a force-push; it is not reported.
 */
export function isBaseMerge(commit: CommitShape, before: string, base: { sha: string; ref: string }): boolean {
  if (commit.parents.length < 2 || commit.parents[0]!.sha !== before) return false;
  if (commit.parents.slice(1).some((p) => p.sha === base.sha)) return true;
  const title = commit.message.split("\n", 1)[0]!;
  const ref = base.ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^Merge (remote-tracking )?branch '(?:[^']*/)?${ref}'`).test(title);
}

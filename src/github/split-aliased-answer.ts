/** One entry of a GraphQL response's `errors` (GitHub adds `type`). */
export interface GraphqlErrorEntry {
  type?: string;
  message?: string;
  path?: Array<string | number>;
}

/** Where one target sits in an aliased query: `data[repoAlias][prAlias]`, variables `$oN`/`$nN` (repository N) and `$pN`. */
export interface AliasPosition {
  repoAlias: string;
  prAlias: string;
}

/**
 * What GitHub answered for one alias: its value (null when absent), the errors that hit it, or
 * nothing at all (`unanswered`: another alias' error stopped the whole query before it ran, as a
 * variable GitHub cannot coerce does; the response then has no `data`).
 */
export type AliasResult = { ok: true; value: unknown } | { ok: false; errors: GraphqlErrorEntry[] } | { ok: false; unanswered: true };

/**
 * Splits one aliased GraphQL answer (`data` and `errors`, as a GraphqlResponseError carries
 * them) into a result per alias, so one failing pull request does not sink the others.
 *
 * An error belongs to an alias when its `path` starts at it (`["r0"]` hits every PR of that
 * repository, `["r0", "p3", ...]` only p3), or, for an error without a path (GitHub's variable
 * coercion errors: "Variable $p3 of type Int! was provided invalid value"), when its message
 * names the alias' variable. Errors that name no alias (a rate limit, the node limit, a timeout
 * of the whole query) are returned as `unattributed`: they concern the whole request.
 */
export function splitAliasedAnswer<A extends AliasPosition>(
  answer: { data: Record<string, unknown> | null | undefined; errors: readonly GraphqlErrorEntry[] },
  aliases: readonly A[],
): { results: Map<A, AliasResult>; unattributed: GraphqlErrorEntry[] } {
  const errorsOf = new Map<A, GraphqlErrorEntry[]>();
  const unattributed: GraphqlErrorEntry[] = [];
  for (const error of answer.errors) {
    const hit = aliases.filter((a) => hits(error, a));
    if (hit.length === 0) unattributed.push(error);
    for (const a of hit) errorsOf.set(a, [...(errorsOf.get(a) ?? []), error]);
  }
  const results = new Map<A, AliasResult>();
  for (const a of aliases) {
    const errors = errorsOf.get(a);
    if (errors) {
      results.set(a, { ok: false, errors });
      continue;
    }
    if (answer.data == null && errorsOf.size > 0) {
      results.set(a, { ok: false, unanswered: true });
      continue;
    }
    const repo = answer.data?.[a.repoAlias] as Record<string, unknown> | null | undefined;
    results.set(a, { ok: true, value: repo?.[a.prAlias] ?? null });
  }
  return { results, unattributed };
}

/** "NOT_FOUND: Could not resolve ...; FORBIDDEN: ..." (GitHub's own words, for a log line). */
export function describeGraphqlErrors(errors: readonly GraphqlErrorEntry[]): string {
  return [...new Set(errors.map((e) => (e.type ? `${e.type}: ` : "") + (e.message ?? "(no message)")))].join("; ");
}

function hits(error: GraphqlErrorEntry, a: AliasPosition): boolean {
  const [repoAlias, prAlias] = error.path ?? [];
  if (repoAlias !== undefined) return repoAlias === a.repoAlias && (prAlias === undefined || prAlias === a.prAlias);
  const r = a.repoAlias.slice(1);
  const named = new Set((error.message ?? "").match(/\$[opn]\d+\b/g) ?? []);
  return named.has(`$${a.prAlias}`) || named.has(`$o${r}`) || named.has(`$n${r}`);
}

import { GraphQLError } from "graphql";

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  skip?: number | null;
}

/** GitHub's opaque cursors are base64; ours encode the index. */
export function cursorOf(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString("base64");
}

function indexOf(cursor: string, field: string): number {
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  if (!m) throw new GraphQLError(`\`${cursor}\` does not appear to be a valid cursor.`, { extensions: { field } });
  return Number(m[1]);
}

/**
 * A GitHub connection over `items` with GitHub's pagination rules: `first` or `last` is required
 * and at most 100 (GitHub answers MISSING_PAGINATION_BOUNDARIES / EXCESSIVE_PAGINATION otherwise),
 * cursors are opaque, and totalCount counts every item regardless of the page.
 */
export function connection<T>(items: readonly T[], args: ConnectionArgs, field: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { first, last, after, before, skip } = args;
  if (first == null && last == null) {
    // GitHub lets a query ask only for totalCount (or pageInfo) without bounds; nodes need them.
    const missing = () => {
      throw new GraphQLError(`You must provide a \`first\` or \`last\` value to properly paginate the \`${field}\` connection.`, {
        extensions: { type: "MISSING_PAGINATION_BOUNDARIES" },
      });
    };
    return { totalCount: items.length, nodes: missing, edges: missing, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, ...extra };
  }
  for (const [name, n] of [["first", first], ["last", last]] as const) {
    if (n != null && (n < 0 || n > 100)) {
      throw new GraphQLError(`Requesting ${n} records on the \`${field}\` connection exceeds the \`${name}\` limit of 100 records.`, {
        extensions: { type: "EXCESSIVE_PAGINATION" },
      });
    }
  }
  let start = after ? indexOf(after, field) + 1 : 0;
  let end = before ? indexOf(before, field) : items.length;
  start += skip ?? 0;
  if (first != null) end = Math.min(end, start + first);
  if (last != null) start = Math.max(start, end - last);
  const page = items.slice(start, Math.max(start, end)).map((node, i) => ({ node, cursor: cursorOf(start + i) }));
  return {
    totalCount: items.length,
    nodes: page.map((e) => e.node),
    edges: page,
    pageInfo: {
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: page[0]?.cursor ?? null,
      endCursor: page.at(-1)?.cursor ?? null,
    },
    ...extra,
  };
}

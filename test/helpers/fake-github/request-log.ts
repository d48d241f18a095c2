/** One request the fake GitHub answered. */
export interface RecordedRequest {
  method: string;
  /** The path as requested, with its query string. */
  path: string;
  /** The route it matched, e.g. "POST /graphql", "GET /repos/{owner}/{repo}/pulls/{number}" ("unmatched" otherwise). */
  route: string;
  status: number;
  /** ms since epoch when the request arrived. */
  at: number;
  durationMs: number;
  /** The installation whose token authenticated it, if any. */
  installationId?: number | undefined;
  /** The fault that answered it, if any. */
  fault?: string | undefined;
  /** GraphQL: the top-level fields the query selected (repository, rateLimit...). */
  graphqlFields?: string[] | undefined;
  /** The request's price in points (with the fake's `budget` on): its GraphQL cost, 1 for REST; charged unless refused. */
  points?: number | undefined;
}

/** Every request the fake answered, so tests can assert API cost. */
export class RequestLog {
  readonly entries: RecordedRequest[] = [];

  record(entry: RecordedRequest): void {
    this.entries.push(entry);
  }

  /** Requests whose route equals `route` (or matches the RegExp), optionally only those after `since` (ms epoch). */
  count(route?: string | RegExp, since = 0): number {
    return this.select(route, since).length;
  }

  select(route?: string | RegExp, since = 0): RecordedRequest[] {
    return this.entries.filter(
      (e) => e.at >= since && (route === undefined || (typeof route === "string" ? e.route === route : route.test(e.route))),
    );
  }

  /** Counts by route, e.g. {"POST /graphql": 3, "POST /app/installations/{id}/access_tokens": 1}. */
  byRoute(since = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.select(undefined, since)) out[e.route] = (out[e.route] ?? 0) + 1;
    return out;
  }

  /** Forgets every request (e.g. after set-up, before the part a test measures). */
  reset(): void {
    this.entries.length = 0;
  }
}

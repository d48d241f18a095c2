import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode, type ValueNode } from "graphql";

/**
 * GitHub's rate limits, as documented (docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api
 * and .../rest/using-the-rest-api/rate-limits-for-the-rest-api), for the fake GitHub to enforce:
 * - primary: 5,000 points an hour per installation (GraphQL: each query's cost; REST: 1 a request);
 * - secondary: at most 100 concurrent requests, and at most 2,000 GraphQL points a minute.
 */
export interface BudgetOptions {
  pointsPerHour?: number;
  graphqlPointsPerMinute?: number;
  maxConcurrent?: number;
}

/**
 * The documented cost of a GraphQL query: add up the requests needed to fulfil each connection
 * (a connection with `first`/`last` n costs one request per parent node reached, assuming every
 * connection above it returns its full n), divide by 100, round; at least 1.
 */
export function graphqlCost(doc: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const op = operations.find((o) => !operationName || o.name?.value === operationName) ?? operations[0];
  if (!op) return 1;
  const valueOf = (v: ValueNode): number | undefined => {
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE) {
      const n = variables[v.name.value];
      return typeof n === "number" ? n : undefined;
    }
    return undefined;
  };
  let requests = 0;
  const walk = (set: SelectionSetNode | undefined, multiplier: number, seen: Set<string>) => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const size = (sel.arguments ?? []).filter((a) => a.name.value === "first" || a.name.value === "last").map((a) => valueOf(a.value)).find((n) => n !== undefined);
        if (size !== undefined) {
          requests += multiplier;
          walk(sel.selectionSet, multiplier * size, seen);
        } else {
          walk(sel.selectionSet, multiplier, seen);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet, multiplier, seen);
      } else if (!seen.has(sel.name.value)) {
        walk(fragments.get(sel.name.value)?.selectionSet, multiplier, new Set([...seen, sel.name.value]));
      }
    }
  };
  walk(op.selectionSet, 1, new Set());
  return Math.max(1, Math.round(requests / 100));
}

/** What a request must be answered with instead of its normal answer, when over a limit. */
export type BudgetBreach = { kind: "secondary"; retryAfterSeconds: number } | { kind: "primary"; resetAt: Date };

/** Points and concurrency per installation (or token), against BudgetOptions. */
export class Budget {
  readonly pointsPerHour: number;
  readonly graphqlPointsPerMinute: number;
  readonly maxConcurrent: number;
  /** Points spent this hour, per key. */
  readonly used = new Map<string, number>();
  readonly #minute = new Map<string, Array<{ at: number; points: number }>>();
  readonly #inFlight = new Map<string, number>();
  #hourStart = Date.now();
  /** Requests refused, by kind. */
  readonly breaches = { secondary: 0, primary: 0 };

  constructor(options: BudgetOptions = {}) {
    this.pointsPerHour = options.pointsPerHour ?? 5000;
    this.graphqlPointsPerMinute = options.graphqlPointsPerMinute ?? 2000;
    this.maxConcurrent = options.maxConcurrent ?? 100;
  }

  get resetAt(): Date {
    return new Date(this.#hourStart + 3600_000);
  }

  /**
   * Admits a request of `points` (GraphQL cost, or 1 for REST) or says which limit it breaks.
   * An admitted request must be given back with `done(key)` once answered.
   */
  admit(key: string, points: number, isGraphql: boolean, now = Date.now()): BudgetBreach | undefined {
    if (now - this.#hourStart >= 3600_000) {
      this.#hourStart = now;
      this.used.clear();
    }
    const inFlight = this.#inFlight.get(key) ?? 0;
    if (inFlight >= this.maxConcurrent) {
      this.breaches.secondary++;
      return { kind: "secondary", retryAfterSeconds: 1 };
    }
    if (isGraphql) {
      const window = (this.#minute.get(key) ?? []).filter((e) => e.at > now - 60_000);
      this.#minute.set(key, window);
      const spent = window.reduce((a, e) => a + e.points, 0);
      if (spent + points > this.graphqlPointsPerMinute) {
        this.breaches.secondary++;
        return { kind: "secondary", retryAfterSeconds: Math.max(1, Math.ceil((window[0]!.at + 60_000 - now) / 1000)) };
      }
      window.push({ at: now, points });
    }
    const used = this.used.get(key) ?? 0;
    if (used + points > this.pointsPerHour) {
      this.breaches.primary++;
      return { kind: "primary", resetAt: this.resetAt };
    }
    this.used.set(key, used + points);
    this.#inFlight.set(key, inFlight + 1);
    return undefined;
  }

  done(key: string): void {
    this.#inFlight.set(key, Math.max(0, (this.#inFlight.get(key) ?? 1) - 1));
  }
}

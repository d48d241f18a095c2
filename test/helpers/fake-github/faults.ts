/**
 * Faults the fake GitHub injects on demand, as GitHub answers them:
 * - `bad-gateway`: 502 (GitHub's "Server Error" / GraphQL "Something went wrong" answer);
 * - `secondary-rate-limit`: 403 with `retry-after` and the secondary-rate-limit message that
 *   @octokit/plugin-throttling recognises;
 * - `rate-limit`: 429 with `x-ratelimit-remaining: 0`, `x-ratelimit-reset` and `retry-after`
 *   (a primary rate limit, as GitHub answers once an installation's budget is spent);
 * - `slow`: the normal answer, `delayMs` late.
 */
export type FaultKind = "bad-gateway" | "secondary-rate-limit" | "rate-limit" | "slow";

export interface FaultRule {
  kind: FaultKind;
  /** Which requests: a route key such as "POST /graphql" or "GET /repos/{owner}/{repo}/pulls/{number}", a RegExp over "METHOD path", or all when absent. */
  route?: string | RegExp | undefined;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
  /** retry-after in seconds for the rate limits (default 1). */
  retryAfterSeconds?: number;
  /** Delay for `slow` (default 1000). */
  delayMs?: number;
}

export interface ActiveFault extends Required<Pick<FaultRule, "kind" | "times">> {
  rule: FaultRule;
  /** How many requests this fault has answered so far. */
  hits: number;
}

/** The list of faults still to inject; the first matching one with times left answers. */
export class Faults {
  readonly active: ActiveFault[] = [];

  /** Adds a fault; returns it so a test can read `hits`. */
  add(rule: FaultRule): ActiveFault {
    const fault: ActiveFault = { kind: rule.kind, times: rule.times ?? 1, rule, hits: 0 };
    this.active.push(fault);
    return fault;
  }

  clear(): void {
    this.active.length = 0;
  }

  /** The fault for this request, if any (and counts it). */
  take(routeKey: string, methodAndPath: string): ActiveFault | undefined {
    const fault = this.active.find((f) => f.hits < f.times && matches(f.rule.route, routeKey, methodAndPath));
    if (fault) fault.hits++;
    return fault;
  }
}

function matches(route: FaultRule["route"], routeKey: string, methodAndPath: string): boolean {
  if (route === undefined) return true;
  if (typeof route === "string") return route === routeKey;
  return route.test(methodAndPath) || route.test(routeKey);
}

import { performance } from "node:perf_hooks";
import { AppMetrics } from "../../src/metrics/app-metrics.js";
import { figure, type BenchFigure, type BenchScenario } from "../scenario.js";

const EVENTS = ["check_run", "status", "pull_request", "check_suite"];

/**
 * What the metrics add to one delivery, in CPU time, apart from the noise of a whole app: the
 * webhook route's counter and histogram (AppMetrics.delivery), the observer's lag histogram and
 * coalesced counter (AppMetrics.observed), against an empty loop of the same shape. And the cost
 * of one scrape (GET /metrics' text), which the webhook path never pays.
 */
export const metricsCost: BenchScenario = {
  name: "metrics-cost",
  issue: 14,
  async run({ quick }) {
    const calls = quick ? 200_000 : 1_000_000;
    const rounds = quick ? 3 : 7;
    const metrics = new AppMetrics({ store: async () => ({ backlog: 0, deadLettered: 0 }), pendingObservations: () => 0 });
    let sink = 0;
    const perCall: number[] = [];
    const empty: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      for (let i = 0; i < calls; i++) sink += EVENTS[i & 3]!.length + (i & 7) / 1000;
      empty.push(((performance.now() - t) * 1e6) / calls);
      t = performance.now();
      for (let i = 0; i < calls; i++) {
        metrics.delivery(EVENTS[i & 3]!, 200, (i & 7) / 1000);
        if ((i & 3) === 0) metrics.observed(2000 + i, 4);
      }
      perCall.push(((performance.now() - t) * 1e6) / calls);
    }
    const scrapes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      await metrics.registry.metrics();
      scrapes.push(performance.now() - t);
    }
    if (sink < 0) throw new Error("unreachable");
    return [
      figure("metrics per delivery (counter + histogram, and an observation's per 4 deliveries)", "ns", perCall, {
        baseline: { name: "empty loop", median: empty.sort((a, b) => a - b)[empty.length >> 1]! },
        note: `${calls} calls per run; the ack path's whole CPU per delivery is about 0.4 ms (webhook-acks), so this is the share the metrics take of it`,
      }),
      figure("one scrape of /metrics (default process metrics + the app's)", "ms", scrapes),
    ];
  },
};

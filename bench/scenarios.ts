import type { BenchScenario } from "./scenario.js";
import { backfillBench } from "./scenarios/backfill.js";
import { exportScenario } from "./scenarios/export.js";
import { influxScenario } from "./scenarios/influx.js";
import { learningExportScenario } from "./scenarios/learning-export.js";
import { metricsCost } from "./scenarios/metrics.js";
import { soakMemory } from "./scenarios/soak.js";
import { startupScenario } from "./scenarios/startup.js";
import { sweepBench } from "./scenarios/sweep.js";
import { scaleOut } from "./scenarios/scale-out.js";
import { webhookBodyCap } from "./scenarios/webhook-body-cap.js";
import { burstCoalescing, webhookAcks } from "./scenarios/webhooks.js";

/** Every scenario `npm run bench` runs, in order. */
export const scenarios: BenchScenario[] = [
  webhookAcks,
  webhookBodyCap,
  burstCoalescing,
  influxScenario,
  sweepBench,
  exportScenario,
  learningExportScenario,
  soakMemory,
  startupScenario,
  scaleOut,
  backfillBench,
  metricsCost,
];

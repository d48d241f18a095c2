import type { BenchScenario } from "./scenario.js";
import { exportScenario } from "./scenarios/export.js";
import { influxScenario } from "./scenarios/influx.js";

/** Every scenario `npm run bench` runs, in order. */
export const scenarios: BenchScenario[] = [influxScenario, exportScenario];

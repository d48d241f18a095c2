import type { BenchScenario } from "./scenario.js";
import { exportScenario } from "./scenarios/export.js";

/** Every scenario `npm run bench` runs, in order. */
export const scenarios: BenchScenario[] = [
  exportScenario,
];

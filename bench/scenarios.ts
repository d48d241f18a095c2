import type { BenchScenario } from "./scenario.js";

/** Every scenario `npm run bench` runs, in order. */
export const scenarios: BenchScenario[] = [];

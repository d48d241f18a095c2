import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two files at a time: most of the suite's wall time is end-to-end files waiting on child
    // processes, timers and sockets (a 12 s slow GitHub, a body dripped over 10 s), not CPU;
    // vitest's default on a 2-core machine is one file at a time.
    maxWorkers: 2,
  },
});

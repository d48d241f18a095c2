import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Three test files at a time on a 2-core machine (vitest 4 defaults to cores - 1): most files
    // wait on child processes and servers (1.2 cores busy on average with two), and three bring
    // the suite from 5m20 to 4m05 here. Every server a test starts takes a free port and a
    // temporary dir, and tests wait for events, not for fixed times, so files share nothing.
    maxWorkers: 3,
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two test files at a time on a 2-core machine (vitest 4 defaults to cores - 1). Every server a
    // test starts takes a free port and a temporary dir, so files do not share anything.
    maxWorkers: 3,
  },
});

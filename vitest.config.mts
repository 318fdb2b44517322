import { defineConfig } from "vitest/config";

// One root config runs every package's tests. Two cores here: two forks at a time,
// and integration tests that start real servers get generous timeouts (never used as assertions).
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "services/*/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON file is what .ci/run counts; the default reporter is for people.
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});

import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  worker: { format: "es" },
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time on CI's two cores: one at a time left part of the second core idle
    // (the suite took 404 s that way on a quiet 2-core machine, 350 s two at a time).
    fileParallelism: true,
    maxWorkers: 2,
  },
});

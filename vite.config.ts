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
    // Two files at a time on CI's two cores: the CLI tests' processes leave a core idle while
    // they start, load the model and compile shaders.
    fileParallelism: true,
    maxWorkers: 2,
  },
});

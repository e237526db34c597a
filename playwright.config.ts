import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";

const CHROME_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];
const executablePath = process.env.CHROME_PATH ?? CHROME_CANDIDATES.find((p) => existsSync(p));
if (!executablePath) {
  throw new Error(
    "e2e: no Chromium found; install it with `apt-get install -y chromium libvulkan1` or set CHROME_PATH",
  );
}

// E2E_PORT / E2E_DIST / E2E_OUTPUT let two runs share a machine (CI uses the defaults).
const PORT = Number(process.env.E2E_PORT ?? 4317);
const DIST = process.env.E2E_DIST ?? "dist";

/**
 * End-to-end tests in the system Chromium, WebGPU on SwiftShader. The app is built and served
 * by `vite preview`; each test gets a fresh context (its own IndexedDB). One worker: the tests
 * share the machine's two cores with SwiftShader.
 */
export default defineConfig({
  testDir: "e2e",
  testMatch: "*.spec.ts",
  timeout: 240_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["./e2e/figuresReporter.ts"]],
  outputDir: process.env.E2E_OUTPUT ?? "test-results",
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--enable-unsafe-webgpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: `npx vite build --logLevel warn --outDir ${DIST} --emptyOutDir && npx vite preview --outDir ${DIST} --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    timeout: 180_000,
    reuseExistingServer: false,
  },
});

#!/usr/bin/env node
// End-to-end test runner: builds the app, serves it on a free localhost port,
// starts headless Chromium (WebGPU on SwiftShader) and runs every
// e2e/*.e2e.mjs file. Usage: node e2e/run.mjs [substring of file or test name]
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, preview } from "vite";
import { chromium } from "playwright-core";
import { registeredTests, setCurrentFile } from "./harness.mjs";

const e2eDir = dirname(fileURLToPath(import.meta.url));
const root = resolve(e2eDir, "..");
const outDir = join(root, "dist");
const DEFAULT_TIMEOUT_MS = 60_000;

const CHROME_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/opt/google/chrome/chrome",
  "/snap/bin/chromium",
];

const CHROME_ARGS = [
  "--headless",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

function findChrome() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CHROME_CANDIDATES.find((p) => existsSync(p));
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function loadTests(filter) {
  const files = readdirSync(e2eDir)
    .filter((f) => f.endsWith(".e2e.mjs"))
    .sort();
  for (const file of files) {
    setCurrentFile(file);
    await import(pathToFileURL(join(e2eDir, file)).href);
  }
  setCurrentFile("");
  return registeredTests.filter(
    (t) => !filter || t.file.includes(filter) || t.name.includes(filter),
  );
}

async function runOne(browser, baseUrl, t) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
  try {
    const timeoutMs = t.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    page.setDefaultTimeout(timeoutMs);
    await withTimeout(t.fn({ page, baseUrl, consoleErrors }), timeoutMs, `test "${t.name}"`);
    if (!t.options.allowConsoleErrors && consoleErrors.length > 0) {
      throw new Error(`console errors on the page:\n  ${consoleErrors.join("\n  ")}`);
    }
  } finally {
    await context.close().catch(() => {});
  }
}

async function main() {
  const filter = process.argv[2];
  const chromePath = findChrome();
  if (!chromePath) {
    const where = process.env.CHROME_PATH
      ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist`
      : "no Chromium found";
    console.error(
      `e2e: ${where}; install it with \`apt-get install -y chromium libvulkan1\` or set CHROME_PATH to a Chrome/Chromium binary.`,
    );
    return 2;
  }

  const tests = await loadTests(filter);
  if (tests.length === 0) {
    console.error(`e2e: no tests found${filter ? ` matching "${filter}"` : ""}.`);
    return 1;
  }

  console.log("e2e: building the app…");
  await build({ root, logLevel: "warn", build: { outDir, emptyOutDir: true } });

  let server;
  let browser;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
  };
  const onSignal = (signal) => {
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    server = await preview({
      root,
      logLevel: "warn",
      build: { outDir },
      preview: { host: "127.0.0.1", port: 0, strictPort: true, open: false },
    });
    const baseUrl = `http://127.0.0.1:${server.httpServer.address().port}/`;

    // playwright-core's launch() gives Chromium a fresh temporary user-data-dir
    // and deletes it on close.
    browser = await chromium.launch({
      executablePath: chromePath,
      headless: true,
      args: CHROME_ARGS,
    });
    console.log(`e2e: ${browser.version()} at ${chromePath}, app at ${baseUrl}`);

    let failed = 0;
    for (const t of tests) {
      const label = `${t.file} > ${t.name}`;
      const start = Date.now();
      try {
        await runOne(browser, baseUrl, t);
        console.log(`  pass  ${label} (${Date.now() - start} ms)`);
      } catch (err) {
        failed++;
        console.log(`  FAIL  ${label} (${Date.now() - start} ms)`);
        console.log(`        ${String(err?.stack ?? err).replaceAll("\n", "\n        ")}`);
      }
    }
    console.log(`e2e: ${tests.length - failed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error("e2e: harness error:", err);
    process.exit(1);
  },
);

// The tiny test registry shared by e2e/run.mjs and the e2e/*.e2e.mjs files.
//
//   import { test } from "./harness.mjs";
//   test("does something", async ({ page, baseUrl, consoleErrors }) => { ... });
//
// Each test gets a fresh browser context and page. Console errors and uncaught
// page errors are collected into `consoleErrors`; a test that leaves any there
// fails, unless it was registered with { allowConsoleErrors: true }.

/** @typedef {{ page: import("playwright-core").Page, baseUrl: string, consoleErrors: string[] }} TestContext */
/** @typedef {{ timeoutMs?: number, allowConsoleErrors?: boolean }} TestOptions */
/** @typedef {{ name: string, file: string, fn: (ctx: TestContext) => Promise<void>, options: TestOptions }} RegisteredTest */

/** @type {RegisteredTest[]} */
export const registeredTests = [];

let currentFile = "";

/** Set by run.mjs while it imports a test file, so tests know where they came from. */
export function setCurrentFile(file) {
  currentFile = file;
}

/**
 * Registers an end-to-end test.
 * @param {string} name
 * @param {(ctx: TestContext) => Promise<void>} fn
 * @param {TestOptions} [options]
 */
export function test(name, fn, options = {}) {
  registeredTests.push({ name, file: currentFile, fn, options });
}

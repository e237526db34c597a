import assert from "node:assert/strict";
import { test } from "./harness.mjs";

test("placeholder page loads and finds a SwiftShader WebGPU adapter", async ({
  page,
  baseUrl,
  consoleErrors,
}) => {
  await page.goto(baseUrl);
  assert.equal(await page.title(), "Transcoder Playground");
  assert.equal(
    await page.getByRole("heading", { level: 1 }).textContent(),
    "Transcoder Playground",
  );

  const status = page.getByTestId("adapter-status");
  await status.and(page.locator(":not([data-state='checking'])")).waitFor();
  const state = await status.getAttribute("data-state");
  assert.equal(state, "ready", `WebGPU adapter status: ${await status.innerText()}`);
  assert.equal(await page.getByTestId("adapter-architecture").textContent(), "swiftshader");

  assert.deepEqual(consoleErrors, []);
});

test("placeholder page explains when WebGPU is missing", async ({ page, baseUrl }) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined });
  });
  await page.goto(baseUrl);
  const status = page.getByTestId("adapter-status");
  await status.and(page.locator("[data-state='unavailable']")).waitFor();
  assert.match(
    await status.innerText(),
    /WebGPU is not available in this browser; use Chrome 113\+/,
  );
});

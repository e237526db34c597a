import assert from "node:assert/strict";
import { test } from "./harness.mjs";

test(
  "the engine worker trains a transcoder on synthetic data and the loss falls",
  async ({ page, baseUrl, consoleErrors }) => {
    await page.goto(baseUrl);
    const panel = page.getByTestId("synthetic-run");
    await page.getByRole("button", { name: "Train demo transcoder" }).click();
    await panel.and(page.locator("[data-status='done'], [data-status='error']")).waitFor({
      timeout: 110_000,
    });
    assert.equal(await panel.getAttribute("data-status"), "done", await panel.innerText());
    assert.equal(await page.getByTestId("run-step").textContent(), "200");
    const losses = (await page.getByTestId("run-losses").locator("li").allTextContents()).map(
      Number,
    );
    assert.equal(losses.length, 20);
    assert.ok(losses.every(Number.isFinite), `losses: ${losses}`);
    assert.ok(losses[19] < 0.5 * losses[0], `loss should fall: ${losses[0]} -> ${losses[19]}`);
    const ev = Number(await page.getByTestId("run-ev").textContent());
    assert.ok(ev > 0.6, `explained variance ${ev}`);
    assert.deepEqual(consoleErrors, []);
  },
  { timeoutMs: 120_000 },
);

import {
  controls,
  expect,
  openApp,
  pressTrain,
  small,
  test,
  waitForPhase,
  waitForStatus,
} from "./fixtures.ts";

const stepOf = async (page: import("@playwright/test").Page) =>
  Number(await page.getByTestId("transcoder-step").textContent());

test("pause, step one step, change the learning rate, resume", async ({ page }) => {
  await openApp(page, small({ steps: 2000, log: 1, live: 1000 }));
  await pressTrain(page);
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);

  await page.getByRole("button", { name: "Pause" }).click();
  await waitForPhase(page, "paused");
  const paused = await stepOf(page);
  await page.waitForTimeout(1500);
  expect(await stepOf(page), "no steps while paused").toBe(paused);

  await page.getByRole("button", { name: "Step" }).click();
  await expect.poll(() => stepOf(page)).toBe(paused + 1);
  await waitForPhase(page, "paused");

  // The learning rate can change while paused; it applies from the next step.
  await expect(page.getByTestId("paused-note")).toBeVisible();
  await page.getByTestId("transcoder-lr").fill("0.001");
  await page.getByRole("button", { name: "Resume" }).click();
  await waitForPhase(page, "running");
  await expect.poll(() => stepOf(page)).toBeGreaterThan(paused + 2);

  // Space toggles pause.
  await page.locator("body").press("Space");
  await waitForPhase(page, "paused");
  await page.locator("body").press("Space");
  await waitForPhase(page, "running");

  await page.getByRole("button", { name: "Stop" }).click();
  await waitForStatus(page, "stopped");
  await expect(controls(page)).toHaveAttribute("data-phase", "idle");
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByTestId("run-changes")).toContainText(
    `after step ${paused + 1}: transcoder lr 0.003 → 0.001`,
  );
});

import { controls, expect, figure, openApp, small, test } from "./fixtures.ts";

const train = (page: import("@playwright/test").Page) =>
  page.getByRole("button", { name: "Train", exact: true });

test("the issue's batch 65536 x d_sae 65536 is estimated at once and never starts unasked", async ({
  page,
}, info) => {
  const t0 = Date.now();
  await openApp(page, "?batch=65536&sae.dsae=65536&transcoder.dsae=65536");
  const estimate = page.getByTestId("run-estimate");
  await expect(estimate).toBeVisible({ timeout: 30_000 });
  figure("estimate shown after opening the page", (Date.now() - t0) / 1000, "s", "with the model");
  await expect(estimate).toContainText(/≈ \d+(\.\d)? GB GPU memory \(largest buffer [\d.]+ GB\)/);
  await expect(page.getByTestId("train-estimate")).toBeVisible();
  await page.screenshot({ path: info.outputPath("estimate-65536.png") });
  const refusal = page.getByTestId("run-estimate-refusal");
  if (await refusal.isVisible()) {
    // Its buffers are over what the adapter can hold: Train is refused with the numbers.
    await expect(refusal).toContainText(/needs ≈ [\d.]+ GB of GPU memory .* over the ≈ [\d.]+ GB/);
    await expect(train(page)).toBeDisabled();
    await expect(page.getByTestId("train-estimate")).toContainText("cannot fit");
  } else {
    // An adapter with the memory for it: days of work, so Train asks first.
    await train(page).click();
    await expect(page.getByTestId("confirm-run")).toContainText(/estimated at ≈ \d+ (days|h)/);
    await page.getByRole("button", { name: "Cancel" }).click();
  }
  await expect(controls(page)).toHaveAttribute("data-phase", "idle");
  await expect(page.getByText("No run yet: press Train.")).toBeVisible();
});

test("a run estimated over 10 minutes asks first, stating the estimate; Start starts it", async ({
  page,
}, info) => {
  await openApp(page, small({ steps: 1_000_000 }));
  const estimate = page.getByTestId("run-estimate");
  await expect(estimate).toContainText(/≈ \d+ (MB|KB) GPU memory .* · ≈ .* on this adapter/);
  const seconds = Number(await estimate.getAttribute("data-seconds"));
  expect(seconds).toBeGreaterThan(600);
  await train(page).click();
  const dialog = page.getByTestId("confirm-run");
  await expect(dialog).toContainText(/This run is estimated at ≈ \d+ (days|h)/);
  await page.screenshot({ path: info.outputPath("confirm-long-run.png") });
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(controls(page)).toHaveAttribute("data-phase", "idle");

  await train(page).click();
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await expect(controls(page)).toHaveAttribute("data-phase", /preparing|running/, {
    timeout: 30_000,
  });
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(controls(page)).toHaveAttribute("data-phase", "idle", { timeout: 120_000 });
});

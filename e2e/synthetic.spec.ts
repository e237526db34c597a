import { expect, openApp, pressTrain, small, test, waitForStatus } from "./fixtures.ts";

test("a TopK pair on the tiny synthetic model: live MCC and F1, the run finishes, Runs shows them", async ({
  page,
}) => {
  await openApp(
    page,
    small({
      steps: 4,
      log: 1,
      live: 2,
      normalize: "none",
      "sae.arch": "topk",
      "sae.k": 4,
      "transcoder.arch": "topk",
      "transcoder.k": 4,
    }),
  );
  await page.getByTestId("data-source").selectOption("synthetic");
  await page.getByTestId("synthetic-preset").selectOption("tiny");
  await expect(page).toHaveURL(/data=synthetic%3Atiny/);
  // One site, the synthetic x (and y): no layer, hook or spliced-in evaluation to choose.
  await expect(page.getByTestId("layer")).toHaveCount(0);
  await expect(page.getByTestId("sae-site")).toHaveCount(0);

  await pressTrain(page);
  const mcc = page.getByTestId("chart-mcc-latest");
  const f1 = page.getByTestId("chart-f1-latest");
  await expect(mcc).toContainText(/SAE\D*0\.\d+/, { timeout: 60_000 });
  await expect(mcc).toContainText(/Transcoder\D*0\.\d+/);
  await expect(f1).toContainText(/0\.\d+/);
  await waitForStatus(page, "done", 60_000);

  await page.getByRole("tab", { name: "Runs" }).click();
  const cells = page.getByTestId("run-mcc");
  await expect(cells).toHaveCount(2);
  for (const text of await cells.allTextContents()) expect(Number(text)).toBeGreaterThan(0);
  for (const text of await page.getByTestId("run-f1").allTextContents()) {
    expect(Number(text)).toBeGreaterThanOrEqual(0);
    expect(Number(text)).toBeLessThanOrEqual(1);
  }
});

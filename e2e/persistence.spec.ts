import type { Page } from "@playwright/test";
import { expect, openApp, small, test, waitForStatus } from "./fixtures.ts";

const QUERY = small({ steps: 60, seed: 7 });

async function finalNumbers(page: Page) {
  const out: Record<string, string> = {};
  for (const kind of ["sae", "transcoder"]) {
    for (const name of ["step", "fvu", "l0", "ce_loss_score"]) {
      out[`${kind} ${name}`] = (await page.getByTestId(`${kind}-${name}`).textContent()) ?? "";
    }
  }
  return out;
}

test("a reload loses nothing: the interrupted run resumes from its checkpoint and ends as an uninterrupted one", async ({
  page,
}) => {
  // The same configuration twice: once straight through, once reloaded in the middle.
  await openApp(page, QUERY);
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  const straight = await finalNumbers(page);

  await page.getByRole("button", { name: "Train", exact: true }).click();
  await expect
    .poll(async () => Number(await page.getByTestId("transcoder-step").textContent()), {
      timeout: 90_000,
    })
    .toBeGreaterThanOrEqual(10);
  // Pausing saves a checkpoint; the reload then interrupts the run.
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("run-controls")).toHaveAttribute("data-phase", "paused");
  const step = await page.getByTestId("progress").getAttribute("data-step");
  await expect(page.getByTestId("checkpoint")).toHaveAttribute("data-step", step!);
  await page.reload();
  await expect(page.getByTestId("model-badge")).toBeVisible({ timeout: 90_000 });

  await page.getByRole("tab", { name: "Runs" }).click();
  const rows = page.getByTestId("run-status-cell");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveText("interrupted");
  await expect(rows.nth(1)).toHaveText("done");

  await page.getByRole("tab", { name: "Train" }).click();
  await page.getByRole("button", { name: "Resume" }).click();
  await waitForStatus(page, "done");
  expect(await finalNumbers(page)).toEqual(straight);
});

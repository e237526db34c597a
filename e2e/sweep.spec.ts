import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import { expect, figure, openApp, small, test, waitForStatus } from "./fixtures.ts";

/** TopK k ∈ {4, 8} for both kinds, tiny widths and steps, a live CE score every 15 steps. */
const QUERY = small({
  steps: 40,
  live: 15,
  "sae.arch": "topk",
  "sae.k": 4,
  "transcoder.arch": "topk",
  "transcoder.k": 4,
  sweep: "k=4,8",
});
const IDS = ["sae.L1.k4", "sae.L1.k8", "transcoder.L1.k4", "transcoder.L1.k8"];

/** Each dictionary's FVU as its row in the results shows it. */
async function fvus(page: import("@playwright/test").Page): Promise<string[]> {
  return Promise.all(
    IDS.map(
      async (id) => (await page.getByTestId(`row-${id}`).locator("td").nth(1).textContent())!,
    ),
  );
}

test("a small sweep: its Pareto plot moves while training, survives a reload, downloads a folder per dictionary", async ({
  page,
}) => {
  test.setTimeout(480_000);
  await openApp(page, QUERY);
  await expect(page.getByTestId("sweep-setting")).toHaveValue("k");
  await expect(page.getByTestId("sweep-values")).toHaveValue("4,8");
  await expect(page.getByTestId("sweep-count")).toHaveText("Trains 4 dictionaries on one stream.");

  const started = Date.now();
  await page.getByRole("button", { name: "Train", exact: true }).click();
  const fvuPoints = page.getByTestId("frontier-fvu");
  await expect(fvuPoints).toHaveAttribute("data-points", "4", { timeout: 150_000 });
  figure(
    "sweep of 4: first frontier points after Train",
    (Date.now() - started) / 1000,
    "s",
    "30 s",
  );
  // Both kinds at k 4 and 8: a line each, two points each, shaded by k (legend names the values).
  await expect(fvuPoints.locator(".recharts-symbols")).toHaveCount(4);
  await expect(page.getByTestId("sweep-legend")).toContainText("k:");
  await expect(page.getByTestId("sweep-legend")).toContainText("8");
  const first = await fvus(page);
  // The points move as training goes on, and the live CE score joins them.
  await expect.poll(() => fvus(page), { timeout: 150_000 }).not.toEqual(first);
  await expect(page.getByTestId("frontier-ce")).toHaveAttribute("data-points", "4", {
    timeout: 150_000,
  });
  await expect(page.getByTestId("frontier-readout")).toContainText(
    /At L0 .*, the (SAE|transcoder) is ahead of the (SAE|transcoder) on ce_loss_score by/,
  );
  await page.screenshot({ path: test.info().outputPath("sweep-train.png") });

  // A reload in the middle: the run is interrupted and resumes from its checkpoint.
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByTestId("run-controls")).toHaveAttribute("data-phase", "paused");
  const step = await page.getByTestId("progress").getAttribute("data-step");
  await expect(page.getByTestId("checkpoint")).toHaveAttribute("data-step", step!);
  await page.reload();
  await expect(page.getByTestId("model-badge")).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("frontier-fvu")).toHaveAttribute("data-points", "4");
  await page.getByRole("button", { name: "Resume" }).click();
  await waitForStatus(page, "done", 300_000);
  figure("sweep of 4 trained, resumed and scored", (Date.now() - started) / 1000, "s", "240 s");
  for (const id of IDS) {
    await expect(page.getByTestId(`row-${id}`)).toContainText("◆");
  }

  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByTestId("run-dictionary")).toHaveText([
    "SAE k 4",
    "SAE k 8",
    "Transcoder k 4",
    "Transcoder k 8",
  ]);
  await page.screenshot({ path: test.info().outputPath("sweep-runs.png") });
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download" }).first().click();
  const files = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
  const folders = [...new Set(Object.keys(files).map((f) => f.split("/")[0]!))].sort();
  expect(folders).toEqual([
    "run-1_SAE_blocks.1.hook_mlp_out_64_k-4",
    "run-1_SAE_blocks.1.hook_mlp_out_64_k-8",
    "run-1_transcoder_blocks.1.mlp_64_k-4",
    "run-1_transcoder_blocks.1.mlp_64_k-8",
  ]);
  // Each folder's cfg.json is its own dictionary's: k 4 or 8.
  for (const folder of folders) {
    const cfg = JSON.parse(new TextDecoder().decode(files[`${folder}/cfg.json`]));
    expect(cfg.k, folder).toBe(folder.endsWith("k-4") ? 4 : 8);
  }
});

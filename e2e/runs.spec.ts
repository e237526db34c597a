import { unzipSync } from "fflate";
import { readFileSync } from "node:fs";
import { expect, openApp, small, test, waitForStatus } from "./fixtures.ts";

test("two runs: labelled by their config diff, both on the Pareto chart, downloadable as SAELens files", async ({
  page,
}) => {
  await openApp(page, small({ steps: 20 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByTestId("transcoder-l1").fill("1");
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");

  await page.getByRole("tab", { name: "Runs" }).click();
  const labels = page.getByTestId("run-label");
  await expect(labels).toHaveCount(2);
  await expect(labels.first()).toHaveText("transcoder l1 0.3 → 1");
  await expect(page.getByTestId("pareto-ce")).toContainText("4 points");
  await expect(page.getByTestId("pareto-fvu").locator(".recharts-symbols")).toHaveCount(4);

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download" }).first().click();
  const file = await (await download).path();
  const files = unzipSync(new Uint8Array(readFileSync(file)));
  expect(Object.keys(files).sort()).toEqual([
    "sae/cfg.json",
    "sae/sae_weights.safetensors",
    "sae/sparsity.safetensors",
    "transcoder/cfg.json",
    "transcoder/sae_weights.safetensors",
    "transcoder/sparsity.safetensors",
  ]);
  const cfg = JSON.parse(new TextDecoder().decode(files["transcoder/cfg.json"])) as {
    architecture: string;
    d_sae: number;
    metadata: Record<string, unknown>;
  };
  expect(cfg.architecture).toBe("transcoder");
  expect(cfg.d_sae).toBe(64);
  expect(cfg.metadata.hook_name_out).toBe("blocks.1.hook_mlp_out");

  // The Python panel maps the SAE run to SAELens and the transcoder to sparsify.
  await expect(page.getByTestId("reproduce-saelens")).toContainText("l1_coefficient=0.3");
  await expect(page.getByTestId("reproduce-sparsify")).toContainText("--transcode");
});

test("a shared URL reproduces its configuration", async ({ page }) => {
  await openApp(page, "?layer=0&batch=96&steps=33&sae=0&transcoder.dsae=256&transcoder.l1=2");
  await expect(page.getByTestId("layer")).toHaveValue("0");
  await expect(page.getByTestId("batch")).toHaveValue("96");
  await expect(page.getByTestId("steps")).toHaveValue("33");
  await expect(page.getByTestId("enable-sae")).not.toBeChecked();
  await expect(page.getByTestId("transcoder-dsae")).toHaveValue("256");
  await expect(page.getByTestId("transcoder-l1")).toHaveValue("2");
  await page.getByTestId("steps").fill("44");
  await expect(page).toHaveURL(/steps=44/);
});

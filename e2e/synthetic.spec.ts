import type { Locator } from "@playwright/test";
import { expect, openApp, pressTrain, small, test, waitForStatus } from "./fixtures.ts";

/** Opaque colours inside a heatmap canvas's plot area (past its axis margins), as drawn. */
async function plotColours(canvas: Locator): Promise<{ opaque: boolean; colours: number }> {
  return canvas.evaluate((el: HTMLCanvasElement) => {
    const scale = el.width / el.clientWidth;
    const x = Math.ceil(40 * scale);
    const y = Math.ceil(6 * scale);
    const w = el.width - x - Math.ceil(6 * scale);
    const h = el.height - y - Math.ceil(28 * scale);
    const data = el.getContext("2d")!.getImageData(x, y, w, h).data;
    const colours = new Set<number>();
    let opaque = true;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] !== 255) opaque = false;
      colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    }
    return { opaque, colours: colours.size };
  });
}

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
  // The language model's CE chart and spliced-in results give way to the ground truth at once.
  await expect(page.getByTestId("chart-ce")).toHaveCount(0);
  await expect(page.getByTestId("eval-summary")).toHaveCount(0);
  await expect(page.getByTestId("chart-mcc")).toBeVisible();

  await pressTrain(page);
  const mcc = page.getByTestId("chart-mcc-latest");
  const f1 = page.getByTestId("chart-f1-latest");
  await expect(mcc).toContainText(/SAE\D*0\.\d+/, { timeout: 60_000 });
  await expect(mcc).toContainText(/Transcoder\D*0\.\d+/);
  await expect(f1).toContainText(/0\.\d+/);
  await waitForStatus(page, "done", 60_000);

  // The ended run's similarity heatmaps: the SAE's decoder, the transcoder's encoder and decoder,
  // each a window of 128 true features drawn in RdBu.
  const heatmap = page.getByTestId("similarity-heatmap-sae-0-canvas");
  await expect(heatmap).toHaveAttribute("data-drawn", "true", { timeout: 30_000 });
  await expect(heatmap).toHaveAttribute("data-cols", "128");
  await expect(heatmap).toHaveAttribute(
    "aria-label",
    /^SAE decoder · W_dec vs u: \d+ latents × 128 true features/,
  );
  const drawn = await plotColours(heatmap);
  expect(drawn.opaque).toBe(true);
  expect(drawn.colours).toBeGreaterThan(10);
  await expect(page.getByTestId("similarity-heatmap-transcoder-1-canvas")).toHaveAttribute(
    "data-drawn",
    "true",
  );
  await heatmap.hover({ position: { x: 60, y: 20 } });
  await expect(page.getByTestId("similarity-heatmap-sae-0-hover")).toHaveText(
    /^latent \d+ · feature \d+ · cos -?[01]\.\d\d$/,
  );

  await page.getByRole("tab", { name: "Runs" }).click();
  // F1 against L0, a point per dictionary; the CE panel says why it has none.
  await expect(page.getByTestId("pareto-f1")).toHaveAttribute("data-points", "2");
  await expect(page.getByTestId("pareto-f1").locator(".recharts-symbols")).toHaveCount(2);
  await expect(page.getByTestId("pareto-ce-empty")).toContainText("Runs on synthetic data");
  await expect(page.getByTestId("runs-similarity").locator("canvas[data-drawn]")).toHaveCount(3);
  const cells = page.getByTestId("run-mcc");
  await expect(cells).toHaveCount(2);
  for (const text of await cells.allTextContents()) expect(Number(text)).toBeGreaterThan(0);
  for (const text of await page.getByTestId("run-f1").allTextContents()) {
    expect(Number(text)).toBeGreaterThanOrEqual(0);
    expect(Number(text)).toBeLessThanOrEqual(1);
  }
});

import { unzipSync } from "fflate";
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, openApp, small, test, waitForPhase, waitForStatus } from "./fixtures.ts";

interface StoredPoint {
  step: number;
  l0: number;
  l0_coefficient?: number;
  l0_loss?: number;
  auxiliary_reconstruction_loss?: number;
}

/** The newest run's logged points per dictionary, as the page saved them in IndexedDB. */
async function savedHistories(page: Page): Promise<Record<string, StoredPoint[]>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, StoredPoint[]>>((resolve, reject) => {
        const open = indexedDB.open("transcoder-playground");
        open.onerror = () => reject(new Error(String(open.error)));
        open.onsuccess = () => {
          const all = open.result.transaction("runs").objectStore("runs").getAll();
          all.onsuccess = () => {
            const runs = all.result as { createdAt: number; histories: never }[];
            runs.sort((a, b) => b.createdAt - a.createdAt);
            resolve(runs[0]?.histories ?? {});
            open.result.close();
          };
        };
      }),
  );
}

const progressStep = async (page: Page) =>
  Number(await page.getByTestId("progress").getAttribute("data-step"));

test("a TopK SAE and a JumpReLU skip transcoder: L0 = k, their loss terms, L0 coefficient editable while paused, SAELens architectures in the download", async ({
  page,
}) => {
  await openApp(page, small({ steps: 400, log: 1, eval: 0 }));
  await page.getByTestId("sae-architecture").selectOption("topk");
  await page.getByTestId("sae-k").fill("4");
  await page.getByTestId("transcoder-architecture").selectOption("jumprelu");
  await expect(page.getByTestId("transcoder-l0-coefficient")).toHaveValue("0.1");
  await page.getByTestId("transcoder-skip").check();
  await expect(page).toHaveURL(/sae\.arch=topk&sae\.k=4/);

  await page.getByRole("button", { name: "Train", exact: true }).click();
  await expect.poll(() => progressStep(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(3);
  await page.getByRole("button", { name: "Pause" }).click();
  await waitForPhase(page, "paused");

  // k sizes the run's buffers; JumpReLU's L0 coefficient is a per-step scalar like L1.
  await expect(page.getByTestId("sae-k")).toBeDisabled();
  await expect(page.locator("label", { has: page.getByTestId("sae-k") })).toHaveAttribute(
    "title",
    /fixed during a run/,
  );
  const pausedAt = await progressStep(page);
  await page.getByTestId("transcoder-l0-coefficient").fill("0.2");
  await page.getByRole("button", { name: "Step" }).click();
  await expect.poll(() => progressStep(page)).toBe(pausedAt + 1);
  await page.getByRole("button", { name: "Stop" }).click();
  await waitForStatus(page, "stopped");

  // The loss chart plots each architecture's own term, named.
  await expect(page.getByTestId("chart-loss")).toContainText(
    "Loss (log): MSE solid · AuxK, L0 dashed",
  );
  const latest = page.getByTestId("chart-loss-latest");
  await expect(latest.locator(".latest-line")).toHaveText([
    /^SAE MSE \S+ AuxK \S+$/,
    /^Transcoder MSE \S+ L0 \S+$/,
  ]);
  await expect(latest).not.toContainText("L1");
  await expect(page.getByTestId("legend-arch-sae")).toHaveText("TopK k 4");

  let histories: Record<string, StoredPoint[]> = {};
  await expect
    .poll(async () => {
      histories = await savedHistories(page);
      return histories.transcoder?.at(-1)?.step;
    })
    .toBe(pausedAt + 1);
  const sae = histories.sae!;
  const transcoder = histories.transcoder!;
  expect(sae.length).toBe(pausedAt + 1);
  expect(sae.map((p) => p.l0)).toEqual(sae.map(() => 4));
  expect(sae.every((p) => p.auxiliary_reconstruction_loss !== undefined)).toBe(true);
  // The change applies from the step after the pause, and not before.
  expect(transcoder.map((p) => p.l0_coefficient)).toEqual([
    ...transcoder.slice(0, -1).map(() => 0.1),
    0.2,
  ]);
  const stepped = transcoder.at(-1)!;
  expect(stepped.l0_loss).toBeCloseTo(0.2 * stepped.l0, 4);
  expect(stepped.l0).toBeGreaterThan(0);
  expect(stepped.l0).toBeLessThan(64);

  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByTestId("run-changes")).toContainText(
    `after step ${pausedAt}: transcoder l0 coef 0.1 → 0.2`,
  );
  await expect(page.getByTestId("run-architecture")).toHaveText([
    "TopK k 4",
    "JumpReLU L0 coef 0.2, skip",
  ]);
  await expect(page.getByTestId("reproduce-saelens")).toContainText("TopKTrainingSAEConfig(");
  await expect(page.getByTestId("reproduce-sparsify")).toContainText("--skip_connection");

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download" }).first().click();
  const files = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
  // Folders are named run_kind_site_width ("run-1_SAE_blocks.1.hook_mlp_out_64").
  const cfg = (name: string) => {
    const key = Object.keys(files).find(
      (f) => f.toLowerCase().includes(`_${name}_`) && f.endsWith("/cfg.json"),
    );
    return JSON.parse(new TextDecoder().decode(files[key!])) as Record<string, unknown>;
  };
  expect(cfg("sae").architecture).toBe("topk");
  expect(cfg("sae").k).toBe(4);
  expect(cfg("transcoder").architecture).toBe("jumprelu_skip_transcoder");
});

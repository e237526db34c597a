import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, figure, openApp, small, test, waitForStatus } from "./fixtures.ts";

let dir: string;
test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "zip-round-trip-"));
});
test.afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("a run's Download loads back in Inspect: one item per folder, each recognised", async ({
  page,
}) => {
  await openApp(page, small({ steps: 4, eval: 0 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByRole("tab", { name: "Runs" }).click();
  const download = page.waitForEvent("download");
  await page
    .getByRole("button", { name: /^Download/ })
    .first()
    .click();
  const zip = await download;
  const name = zip.suggestedFilename();
  expect(name).toMatch(/\.zip$/);
  const file = join(dir, name);
  await zip.saveAs(file);

  await page.getByRole("tab", { name: "Inspect" }).click();
  const started = Date.now();
  await page.getByTestId("pick-files").setInputFiles(file);
  const items = page.getByTestId("loaded-item");
  await expect(items).toHaveCount(2);
  await expect(items.nth(0)).toHaveAttribute("data-phase", "loaded");
  await expect(items.nth(1)).toHaveAttribute("data-phase", "loaded");
  figure("a run's zip split and loaded (2 dictionaries)", Date.now() - started, "ms", "under 2 s");
  const sources = await page.getByTestId("loaded-source").allTextContents();
  expect(sources.map((s) => s.slice(0, name.length + 1))).toEqual([`${name}/`, `${name}/`]);
  const descriptions = await page.getByTestId("loaded-description").allTextContents();
  expect(descriptions.join("\n")).toMatch(/^SAELens 6 · .*SAE · d_in 128, d_sae 64, d_out 128 · /m);
  expect(descriptions.join("\n")).toMatch(
    /^SAELens 6 · transcoder · d_in 128, d_sae 64, d_out 128 · blocks\.1\.ln2\.hook_normalized → blocks\.1\.hook_mlp_out/m,
  );
  await expect(page.getByTestId("load-mismatch")).toHaveCount(0);
  await expect(page.getByTestId("load-error")).toHaveCount(0);
  if (process.env.SHOTS_DIR) {
    await page.screenshot({ path: join(process.env.SHOTS_DIR, "zip-items.png") });
  }

  // Each item runs: the transcoder's dashboards from the zip.
  const select = page.getByTestId("dash-dictionary");
  const option = select
    .locator("option")
    .filter({ hasText: /transcoder/ })
    .filter({ hasText: name })
    .first();
  await select.selectOption((await option.getAttribute("value"))!);
  await page.getByTestId("dash-tokens").fill("512");
  // The pass over the tokens only: the weight views' cost on SwiftShader is not what is tested.
  await page.getByTestId("dash-views").uncheck();
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(page.getByTestId("dash-summary")).toContainText("d_sae 64", { timeout: 60_000 });
});

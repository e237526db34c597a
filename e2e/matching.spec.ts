import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DictionaryParams } from "../src/engine/dictionary/spec.ts";
import { saveSaelensFolder } from "../src/node/saelensFolder.ts";
import { expect, figure, openApp, small, test, waitForStatus } from "./fixtures.ts";
import { saeSpec, writeSaelens } from "./weightFiles.ts";

const SHOTS = process.env.SHOTS_DIR;
const D_SAE = 64;
/** B's feature perm(i) is A's feature i (37 is coprime with 64). */
const perm = (i: number) => (i * 37 + 5) % D_SAE;

/** A's weights with its features reordered by perm: the same dictionary, other indices. */
function permuted(p: DictionaryParams, dIn: number): DictionaryParams {
  const wEnc = new Float32Array(p.wEnc.length);
  const bEnc = new Float32Array(D_SAE);
  const wDec = new Float32Array(p.wDec.length);
  for (let i = 0; i < D_SAE; i++) {
    const j = perm(i);
    for (let k = 0; k < dIn; k++) wEnc[k * D_SAE + j] = p.wEnc[k * D_SAE + i]!;
    bEnc[j] = p.bEnc[i]!;
    wDec.set(p.wDec.subarray(i * dIn, (i + 1) * dIn), j * dIn);
  }
  return { wEnc, bEnc, wDec, bDec: p.bDec };
}

let dir: string;
test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "match-"));
});
test.afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("feature matching recovers a permuted copy; features open with whole-window tinting", async ({
  page,
}) => {
  const started = Date.now();
  const spec = saeSpec(128, D_SAE, "blocks.1.hook_resid_pre");
  const a = await writeSaelens(join(dir, "sae-a"), spec);
  await saveSaelensFolder(join(dir, "sae-b"), spec, permuted(a.params, 128));
  await openApp(page);
  await page.getByRole("tab", { name: "Inspect" }).click();
  for (const name of ["sae-a", "sae-b"]) {
    await page.getByTestId("pick-folder").setInputFiles(join(dir, name));
  }
  await expect(page.getByTestId("loaded-item")).toHaveCount(2);
  for (const i of [0, 1]) {
    await expect(page.getByTestId("loaded-item").nth(i)).toHaveAttribute("data-phase", "loaded");
  }

  const panel = page.getByTestId("match-panel");
  const pick = async (testId: string, name: RegExp) => {
    const select = panel.getByTestId(testId);
    const option = select.locator("option").filter({ hasText: name }).first();
    await select.selectOption((await option.getAttribute("value"))!);
  };
  await pick("match-a", /sae-a/);
  await pick("match-b", /sae-b/);
  await panel.getByTestId("match-tokens").fill("256");
  await panel.getByRole("button", { name: "Match", exact: true }).click();
  await expect(panel.getByTestId("match-summary")).toBeVisible({ timeout: 60_000 });
  const matched = Date.now();
  // Every decoder direction has its exact copy in B.
  await expect(panel.getByTestId("match-summary")).toContainText(
    "Decoder cosine: 100.0% of A's 64 features above chance",
  );
  await expect(panel.getByTestId("match-summary")).toContainText("every pair");
  // Sorted by correlation: the live features first, each matched to its copy with r = 1.
  const rows = panel.getByTestId("match-row");
  await expect(rows.first()).toBeVisible();
  const n = await rows.count();
  expect(n).toBeGreaterThan(5);
  for (let r = 0; r < 5; r++) {
    const row = rows.nth(r);
    const f = Number(await row.getAttribute("data-feature"));
    const cells = row.locator(".mt-cell");
    await expect(cells.nth(0)).toContainText(`#${perm(f)}1`);
    await expect(cells.nth(1)).toContainText(`#${perm(f)}1`);
    await expect(cells.nth(1)).toHaveClass(/above/);
  }
  if (SHOTS) {
    await panel.evaluate((el) => el.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, "match-table.png") });
  }

  // A's feature opens its page (dashboards over the same tokens, no weight views), and the
  // dashboards' dictionary follows.
  await page.getByTestId("dash-views").uncheck();
  const f = Number(await rows.first().getAttribute("data-feature"));
  await rows
    .first()
    .getByRole("button", { name: `A feature ${f}` })
    .click();
  const feature = page.getByTestId("feature-page");
  await expect(feature.locator("h3")).toHaveText(`Feature #${f}`, { timeout: 60_000 });
  const dictionary = page.getByTestId("dash-dictionary");
  await expect(dictionary.locator("option:checked")).toContainText("sae-a");

  // The whole window, every token tinted by activations computed for it in the worker; the
  // example's own token agrees with the pass's value.
  const snippet = feature.getByTestId("top-examples").getByTestId("snippet").first();
  const shown = Number(await snippet.locator(".snippet-value").textContent());
  await snippet.getByRole("button", { name: "Show the whole window" }).click();
  const window = snippet.getByTestId("snippet-window");
  await expect(window).toHaveAttribute("data-state", "ready");
  const tokens = window.locator(".tok");
  await expect(tokens).toHaveCount(128);
  const values = await tokens.evaluateAll((els) =>
    els.map((e) => Number(e.getAttribute("data-activation"))),
  );
  expect(values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  const focus = Number(await window.locator(".tok-focus").getAttribute("data-activation"));
  expect(Math.abs(focus - shown) / shown).toBeLessThan(2e-3);
  expect(Math.max(...values)).toBeLessThanOrEqual(
    Number(/max ([\d.e-]+)/.exec((await feature.locator("header").textContent())!)![1]) * 1.001,
  );
  expect(await window.locator(".tok-act").count()).toBe(values.filter((v) => v > 0).length);
  if (SHOTS) {
    await feature.evaluate((el) => el.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, "whole-window.png") });
  }

  // B's copy of it: the dictionary switches to B, and its top activation is the same.
  await rows
    .first()
    .getByRole("button", { name: `B feature ${perm(f)} (cosine)` })
    .click();
  await expect(feature.locator("h3")).toHaveText(`Feature #${perm(f)}`, { timeout: 60_000 });
  await expect(dictionary.locator("option:checked")).toContainText("sae-b");
  const copy = feature.getByTestId("top-examples").getByTestId("snippet").first();
  await expect(copy.locator(".snippet-value")).toHaveText(String(shown));
  console.log(
    `matching: loaded + matched ${((matched - started) / 1000).toFixed(1)} s, ` +
      `pages ${((Date.now() - matched) / 1000).toFixed(1)} s`,
  );
});

test("a run's SAE and transcoder start from their own seeds: Match finds few same-index matches, and names them by run, kind, site and width", async ({
  page,
}) => {
  await openApp(page, small({ steps: 8, eval: 0 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByRole("tab", { name: "Inspect" }).click();

  const panel = page.getByTestId("match-panel");
  const sae = "run 1 · SAE · blocks.1.hook_mlp_out · 64";
  const transcoder = "run 1 · transcoder · blocks.1.mlp · 64";
  await expect(panel.getByTestId("match-a").locator("option")).toHaveText([sae, transcoder]);
  await panel.getByTestId("match-a").selectOption({ label: sae });
  await panel.getByTestId("match-b").selectOption({ label: transcoder });
  await panel.getByTestId("match-tokens").fill("256");
  const started = Date.now();
  await panel.getByRole("button", { name: "Match", exact: true }).click();
  const same = panel.getByTestId("match-same-index");
  await expect(same).toBeVisible({ timeout: 120_000 });
  figure(
    "Match features, run 1's SAE → transcoder (64 × 64, 256 tokens)",
    Date.now() - started,
    "ms",
    "under 10 s on SwiftShader",
  );
  // Both write hook_mlp_out, so their decoders compare. With one seed for both (before), 8
  // steps left nearly every best match at A's own index; chance is 1/64.
  const text = (await same.textContent()) ?? "";
  const share = Number(/([\d.]+)% by decoder cosine/.exec(text)?.[1]);
  expect(share, text).toBeLessThan(100 * (10 / 64));
  expect(text).not.toContain("may share an initialisation");
  await expect(panel.getByText(`A ${sae} (64) → B ${transcoder} (64)`)).toBeVisible();
  if (SHOTS) {
    await panel.evaluate((el) => el.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, "match-run.png") });
  }
});

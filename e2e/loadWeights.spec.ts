import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Page } from "@playwright/test";
import { readSaelensZip } from "../src/engine/formats/saelensZip.ts";
import { startMockHub } from "../test/mockHub.ts";
import { expect, openApp, small, test, waitForStatus } from "./fixtures.ts";
import { startHoldingProxy } from "./holdingProxy.ts";
import { patchCfg, saeSpec, transcoderSpec, truncate, writeSaelens } from "./weightFiles.ts";

/** The built-in model's width: dictionaries at it can run, others cannot. */
const D_MODEL = 128;

/** Drops files on the page as a user would from a file manager (dragenter shows the overlay). */
async function dropFiles(page: Page, paths: string[]): Promise<void> {
  const files = await Promise.all(
    paths.map(async (p) => ({ name: basename(p), bytes: [...(await readFile(p))] })),
  );
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return dt;
  }, files);
  await page.dispatchEvent("main:visible", "dragenter", { dataTransfer });
  await expect(page.getByTestId("drop-overlay")).toBeVisible();
  await page.dispatchEvent("main:visible", "drop", { dataTransfer });
  await expect(page.getByTestId("drop-overlay")).toHaveCount(0);
}

const item = (page: Page, source: string) =>
  page
    .getByTestId("loaded-item")
    .filter({ has: page.getByTestId("loaded-source").getByText(source, { exact: true }) });

let dir: string;
test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "load-weights-"));
});
test.afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("files from disk: described, checked against the model, exported, and bad files explained", async ({
  page,
}) => {
  const tc = await writeSaelens(join(dir, "tc-l1"), transcoderSpec(D_MODEL, 32, 1));
  const narrow = await writeSaelens(
    join(dir, "sae-64"),
    saeSpec(64, 16, "blocks.0.hook_resid_pre"),
  );
  const badCfg = await writeSaelens(join(dir, "bad-cfg"), transcoderSpec(D_MODEL, 8, 0));
  await writeFile(badCfg.cfg, "{ not json");
  const cut = await writeSaelens(join(dir, "cut"), transcoderSpec(D_MODEL, 8, 0));
  await truncate(cut.weights, 0.5);
  const scaled = await writeSaelens(join(dir, "scaled"), transcoderSpec(D_MODEL, 8, 0));
  await patchCfg(scaled.cfg, { normalize_activations: "expected_average_only_in" });

  await openApp(page, small({ steps: 4, eval: 0 }));
  await page.getByRole("tab", { name: "Inspect" }).click();
  await expect(page.getByTestId("loaded-empty")).toBeVisible();

  // A transcoder at the model's width, as a picked folder.
  await page.getByTestId("pick-folder").setInputFiles(join(dir, "tc-l1"));
  const loaded = item(page, "tc-l1");
  await expect(loaded).toHaveAttribute("data-phase", "loaded");
  const kB = ((await stat(tc.weights)).size / 1e3).toFixed(1);
  await expect(loaded.getByTestId("loaded-description")).toHaveText(
    "SAELens 6 · transcoder · d_in 128, d_sae 32, d_out 128 · " +
      `blocks.1.ln2.hook_normalized → blocks.1.hook_mlp_out · F32 · ${kB} kB`,
  );
  await expect(loaded.getByTestId("load-mismatch")).toHaveCount(0);

  // Exported as SAELens: the zip reads back to the same weights.
  const download = page.waitForEvent("download");
  await loaded.getByRole("button", { name: "Export as SAELens" }).click();
  const file = await (await download).path();
  const [back] = await readSaelensZip(new Uint8Array(readFileSync(file)));
  expect(back?.spec).toMatchObject({ kind: "transcoder", dIn: 128, dSae: 32, dOut: 128 });
  expect(back?.params.wEnc).toEqual(tc.params.wEnc);
  expect(back?.params.bEnc).toEqual(tc.params.bEnc);
  expect(back?.params.wDec).toEqual(tc.params.wDec);
  expect(back?.params.bDec).toEqual(tc.params.bDec);

  // Another width, dropped on the Train view: the page switches to Inspect, and the dictionary
  // is loaded with the reason it cannot run here.
  await page.getByRole("tab", { name: "Train" }).click();
  await dropFiles(page, [narrow.cfg, narrow.weights]);
  await expect(page.getByRole("tab", { name: "Inspect" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByTestId("load-mismatch")).toHaveText(
    "Cannot run on the loaded model: this SAE reads blocks.0.hook_resid_pre of a width-64 model; " +
      "the loaded model is gpt2-brown (built-in), width 128, 4 layers. " +
      "Its weights stay loaded for inspection.",
  );

  // Malformed files: a specific error each, and the page carries on.
  await page.getByTestId("pick-folder").setInputFiles(join(dir, "bad-cfg"));
  await expect(item(page, "bad-cfg").getByTestId("load-error")).toContainText(
    "bad-cfg/cfg.json: invalid JSON",
  );
  await page.getByTestId("pick-files").setInputFiles([cut.cfg, cut.weights]);
  await expect(
    page
      .getByTestId("load-error")
      .filter({ hasText: "sae_weights.safetensors: file is truncated" }),
  ).toHaveCount(1);

  // expected_average_only_in without its scale: the page asks for it.
  await page.getByTestId("pick-folder").setInputFiles(join(dir, "scaled"));
  const needs = item(page, "scaled");
  await expect(needs).toHaveAttribute("data-phase", "needs-scale");
  await needs.getByLabel("Norm scaling factor").fill("2.5");
  await needs.getByRole("button", { name: "Apply" }).click();
  await expect(needs).toHaveAttribute("data-phase", "loaded");

  await needs.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByTestId("loaded-item")).toHaveCount(4);

  // The engine still trains.
  await page.getByRole("tab", { name: "Train" }).click();
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
});

test("from the Hub: progress and cancel, loaded, a second load from the cache, and a 404", async ({
  page,
}) => {
  // d_sae 6144 at width 128: 6.3 MB, two of the reader's 4 MiB chunks.
  const folder = join(dir, "org", "saes", "blocks.1.hook_resid_pre");
  await writeSaelens(folder, saeSpec(D_MODEL, 6144, "blocks.1.hook_resid_pre"));
  const hub = await startMockHub(dir);
  const proxy = await startHoldingProxy(hub.url);
  try {
    await openApp(page, `${small()}&hub=${encodeURIComponent(proxy.url)}`);
    await page.getByRole("tab", { name: "Inspect" }).click();
    await expect(page.getByTestId("hub-endpoint")).toContainText(proxy.url);
    const location = page.getByTestId("hub-location");
    const source = "org/saes/blocks.1.hook_resid_pre";

    // Hold the second chunk: the bar shows the bytes read so far, and Cancel ends the load.
    proxy.hold((path, range) => path.startsWith("/cdn/") && /^bytes=4194304-/.test(range ?? ""));
    await location.fill(source);
    await location.press("Enter");
    await expect(item(page, source).getByTestId("load-progress-text")).toHaveText(
      /^Reading the weights: [\d.]+ [kM]?B \/ 6\.3\d MB$/,
    );
    await item(page, source).getByRole("button", { name: "Cancel" }).click();
    await expect(item(page, source)).toHaveCount(0);
    proxy.release();

    await location.fill(source);
    await location.press("Enter");
    await expect(item(page, source)).toHaveAttribute("data-phase", "loaded");
    await expect(item(page, source).getByTestId("loaded-description")).toContainText(
      "SAELens 6 · standard SAE · d_in 128, d_sae 6144, d_out 128 · blocks.1.hook_resid_pre",
    );
    expect(hub.requests.length).toBeGreaterThan(0);

    // The second load comes from Cache Storage: no request at all.
    hub.reset();
    await location.fill(source);
    await location.press("Enter");
    await expect(
      page.getByTestId("loaded-item").and(page.locator("[data-phase=loaded]")),
    ).toHaveCount(2);
    expect(hub.requests).toEqual([]);

    await location.fill("org/saes/missing.safetensors");
    await location.press("Enter");
    await expect(
      item(page, "org/saes/missing.safetensors").getByTestId("load-error"),
    ).toContainText("not found on the Hub: org/saes/missing.safetensors (revision main)");
  } finally {
    await proxy.close();
    await hub.close();
  }
});

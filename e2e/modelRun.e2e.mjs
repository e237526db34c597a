import assert from "node:assert/strict";
import { test } from "./harness.mjs";

// Tiny settings for SwiftShader: 12 steps of 64 tokens, one held-out sequence for the eval.
const QUERY =
  "?layer=1&batch=64&steps=12&log=4&sae.site=hook_mlp_out&sae.dsae=64&sae.l1=0.3&sae.lr=0.003" +
  "&transcoder.dsae=64&transcoder.l1=0.3&transcoder.lr=0.003&eval=1";

test(
  "trains an SAE and a transcoder together on the built-in model's stream, UI never blocked",
  async ({ page, baseUrl, consoleErrors }) => {
    await page.goto(baseUrl + QUERY);
    const info = page.getByTestId("model-info");
    await info.waitFor({ timeout: 60_000 });
    assert.match(await info.innerText(), /2 layers, d_model 128, 4 heads, context 128/);
    assert.equal(await page.getByTestId("steps").inputValue(), "12");

    // Record the longest gap between timer ticks on the page's main thread during the run.
    await page.evaluate(() => {
      const w = /** @type {any} */ (window);
      w.__maxGap = 0;
      let last = performance.now();
      w.__ticker = setInterval(() => {
        const now = performance.now();
        w.__maxGap = Math.max(w.__maxGap, now - last);
        last = now;
      }, 20);
    });
    await page.getByRole("button", { name: "Train", exact: true }).click();
    const panel = page.getByTestId("model-run");
    await panel.and(page.locator("[data-status='done'], [data-status='error']")).waitFor({
      timeout: 240_000,
    });
    assert.equal(await panel.getAttribute("data-status"), "done", await panel.innerText());
    const maxGap = await page.evaluate(() => /** @type {any} */ (window).__maxGap);
    assert.ok(maxGap < 500, `main thread blocked for ${maxGap} ms`);
    console.log(
      `    main thread: longest gap between 20 ms timer ticks during the run: ${maxGap.toFixed(0)} ms`,
    );

    for (const id of ["sae", "transcoder"]) {
      assert.equal(await page.getByTestId(`${id}-step`).textContent(), "12");
      const losses = (await page.getByTestId(`${id}-losses`).locator("li").allTextContents()).map(
        Number,
      );
      assert.equal(losses.length, 3);
      assert.ok(losses.every(Number.isFinite), `${id} losses: ${losses}`);
      const score = Number(await page.getByTestId(`${id}-ce-score`).textContent());
      const kl = Number(await page.getByTestId(`${id}-kl`).textContent());
      assert.ok(Number.isFinite(score) && Number.isFinite(kl) && kl >= 0, `${id}: ${score}, ${kl}`);
    }
    const tps = Number(await page.getByTestId("stream-tps").textContent());
    assert.ok(tps > 0, `stream tokens/s ${tps}`);
    // The configuration is in the URL, to share the run.
    assert.match(page.url(), /steps=12/);
    assert.deepEqual(consoleErrors, []);
  },
  { timeoutMs: 300_000 },
);

test("a damaged built-in model file is reported in the page, naming the file", async ({
  page,
  baseUrl,
}) => {
  // Serve the model truncated by 1000 bytes: the worker fetches it, the loader refuses it.
  await page.route("**/builtin/gpt2-brown/model.safetensors", async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    await route.fulfill({ response, body: body.subarray(0, body.length - 1000) });
  });
  await page.goto(baseUrl);
  const alert = page.getByTestId("model-run").getByRole("alert");
  await alert.waitFor({ timeout: 60_000 });
  assert.match(
    await alert.innerText(),
    /^Could not load the model: gpt2-brown\/model\.safetensors: file is truncated: tensor "transformer\.wte\.weight" ends at byte \d+ but the file has only \d+ bytes$/,
  );
  assert.equal(await page.getByRole("button", { name: "Train", exact: true }).isDisabled(), true);
});

import { expect, openApp, small, test, waitForStatus } from "./fixtures.ts";

/**
 * Two runs that change only the transcoder train the same SAE, so its L0 is the same twice. The
 * Pareto chart's log L0 axis once drew one tick per point (two with the same value and React
 * key); it draws 1-2-5 ticks, each once. Reproduce in Python picks any run and copies its code.
 */
test("two runs with the same SAE L0: one tick per value on the Pareto chart; Reproduce picks any run and copies", async ({
  page,
  context,
}, testInfo) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openApp(page, small({ steps: 20 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByTestId("transcoder-l1").fill("1");
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");

  await page.getByRole("tab", { name: "Runs" }).click();
  // The SAE rows' L0 (Dictionary, Architecture, Step, FVU, L0): the same in both runs.
  const saeL0 = await page
    .getByTestId("runs-table")
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows.flatMap((row) => {
        const cells = [...row.querySelectorAll("td")].map((td) => td.textContent ?? "");
        const i = cells.indexOf("SAE");
        return i < 0 ? [] : [cells[i + 4]!];
      }),
    );
  expect(saeL0).toHaveLength(2);
  expect(saeL0[0]).toBe(saeL0[1]);

  for (const panel of ["pareto-ce", "pareto-fvu"]) {
    await expect(page.getByTestId(panel)).toContainText("4 points");
    const ticks = await page
      .getByTestId(panel)
      .locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value")
      .allTextContents();
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size, `${panel} ticks ${ticks.join(" ")}`).toBe(ticks.length);
    for (const t of ticks) expect(t).toMatch(/^(0\.0*)?[125]0*k?$/);
    // No two tick labels overlap on either axis (they once read "190200").
    for (const axis of ["xAxis", "yAxis"] as const) {
      const boxes = await page
        .getByTestId(panel)
        .locator(`.recharts-${axis}-tick-labels .recharts-cartesian-axis-tick-value`)
        .evaluateAll((els) =>
          els.map((e) => {
            const r = e.getBoundingClientRect();
            return { lo: r.left, hi: r.right, top: r.top, bottom: r.bottom };
          }),
        );
      const spans = boxes
        .map((b) => (axis === "xAxis" ? [b.lo, b.hi] : [b.top, b.bottom]))
        .sort((a, b) => a[0]! - b[0]!);
      for (let i = 1; i < spans.length; i++) {
        expect(
          spans[i]![0],
          `${panel} ${axis} labels ${i - 1} and ${i} overlap`,
        ).toBeGreaterThanOrEqual(spans[i - 1]![1]!);
      }
    }
  }
  // ce_loss_score's axis ends at 1 (the clean model), not at a rounded 1.4.
  const ceTicks = await page
    .getByTestId("pareto-ce")
    .locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value")
    .allTextContents();
  expect(ceTicks).toContain("0");
  expect(ceTicks[ceTicks.length - 1]).toBe("1");
  await page.screenshot({ path: testInfo.outputPath("runs-view.png"), fullPage: true });

  // Reproduce: the newest run first; the first run's script and command on request.
  const picker = page.getByTestId("reproduce-run");
  await expect(picker.locator("option")).toHaveText([
    "run 2 · transcoder l1 0.3 → 1",
    "run 1 · layer 1, batch 64, SAE 64 l1 0.3, transcoder 64 l1 0.3",
  ]);
  await expect(page.getByText("sparsify starts W_dec at 0")).toBeVisible();
  await picker.selectOption({ index: 1 });
  await expect(page.getByTestId("reproduce-sparsify")).toContainText("--num_latents 64");
  const script = page.getByTestId("reproduce-saelens");
  await expect(script).toContainText("PROCESSING = True");
  await expect(script).toContainText("override_model=model");
  await page.getByTestId("reproduce-saelens-copy").click();
  await expect(page.getByTestId("reproduce-saelens-copy")).toHaveText("Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await script.textContent());
  expect(copied).toContain('MODEL_DIR = "gpt2-brown"');
});

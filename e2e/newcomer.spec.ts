import { expect, longTasks, openApp, recordLongTasks, test, waitForStatus } from "./fixtures.ts";

test("a newcomer presses Train with the defaults: both curves within 30 s, a scored run within 3 minutes", async ({
  page,
}) => {
  await openApp(page);
  // On SwiftShader the page says so and sizes its defaults for it.
  await expect(page.getByTestId("adapter-badge")).toHaveAttribute("data-state", "software");
  await expect(page.getByTestId("adapter-badge")).toContainText("~100× slower than a GPU");
  await expect(page.getByTestId("steps")).toHaveValue("150");
  // The Train view fits 1280x800 without scrolling.
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollHeight,
    client: document.documentElement.clientHeight,
  }));
  expect(scroll).toBeLessThanOrEqual(client);

  // The model badge's details say which layers are worth a transcoder, drawn above the page
  // (not clipped by the badge).
  const badge = page.getByTestId("model-badge");
  await badge.locator("summary").click();
  const quality = page.getByTestId("model-quality");
  await expect(page.getByTestId("model-info")).toContainText(
    "4 layers, d_model 128, 4 heads, d_mlp 1024, context 128",
  );
  await expect(page.getByTestId("model-info")).toContainText("Held-out loss: 5.731 nats/token");
  await expect(quality.locator("tbody tr")).toHaveText([
    "0+3.519",
    "1+0.142",
    "2+0.211",
    "3+0.371",
  ]);
  const box = (await quality.boundingBox())!;
  const hit = await page.evaluate(
    ([x, y]) => document.elementFromPoint(x!, y!)?.closest("[data-testid=model-quality]") !== null,
    [box.x + box.width / 2, box.y + box.height / 2],
  );
  expect(hit, "the quality table is on top at its own centre").toBe(true);
  await badge.locator("summary").click();

  await recordLongTasks(page);
  const started = Date.now();
  await page.getByRole("button", { name: "Train", exact: true }).click();
  // Both dictionaries on the same axes: each chart's caption names both latest values.
  await expect(page.getByTestId("chart-fvu-latest")).toContainText("SAE", { timeout: 30_000 });
  await expect(page.getByTestId("chart-fvu-latest")).toContainText("Transcoder");
  const firstCurves = (Date.now() - started) / 1000;

  await waitForStatus(page, "done", 180_000 - (Date.now() - started));
  const finished = (Date.now() - started) / 1000;
  for (const kind of ["sae", "transcoder"]) {
    const score = Number(await page.getByTestId(`${kind}-ce_loss_score`).textContent());
    expect(score, `${kind} ce_loss_score`).toBeGreaterThan(0);
    expect(score).toBeLessThan(1.1);
    await expect(page.getByTestId(`${kind}-step`)).toHaveText("150");
  }
  const tasks = await longTasks(page);
  const longest = Math.max(0, ...tasks);
  console.log(
    `newcomer: first curves after ${firstCurves.toFixed(1)} s, finished and scored after ` +
      `${finished.toFixed(1)} s; main-thread long tasks: ${tasks.length}, longest ${longest.toFixed(0)} ms`,
  );
  // The goal is 50 ms. On this 2-core machine SwiftShader keeps both cores busy while the page
  // runs; the canvas charts leave at most one task just over it (recharts left dozens, up to
  // 270 ms). The bound catches a regression to those.
  expect(longest, "longest main-thread task while training (ms)").toBeLessThan(100);
  expect(tasks.length, "main-thread long tasks while training").toBeLessThan(5);
});

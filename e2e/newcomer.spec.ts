import {
  expect,
  figure,
  longTasks,
  openApp,
  recordLongTasks,
  test,
  waitForStatus,
} from "./fixtures.ts";
import { traceMainThread } from "./mainThreadTrace.ts";

test("a newcomer presses Train with the defaults: both curves, then a scored run (times printed)", async ({
  page,
}) => {
  // Hang detectors only (several times the printed goals): CI machines are shared and noisy.
  test.setTimeout(480_000);
  await openApp(page);
  // On SwiftShader the page says so and sizes its defaults for it.
  await expect(page.getByTestId("adapter-badge")).toHaveAttribute("data-state", "software");
  await expect(page.getByTestId("adapter-badge")).toContainText("~100× slower than a GPU");
  await expect(page.getByTestId("steps")).toHaveValue("60");
  // Every setting says what it does when hovered: which normalisation, what a transcoder is.
  const help = (name: string) => page.locator(".config .info", { hasText: name }).first();
  await expect(help("Normalize activations")).toHaveAttribute("title", /expected_average_only_in/);
  await expect(help("Transcoder")).toHaveAttribute("title", /reads the MLP's input/);
  await expect(help("Hook")).toHaveAttribute("title", /defaults to hook_mlp_out/);
  expect(await page.locator(".config .info").count()).toBeGreaterThanOrEqual(19);
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
  const trace = await traceMainThread(page);
  const started = Date.now();
  await page.getByRole("button", { name: "Train", exact: true }).click();
  // Both dictionaries on the same axes: each chart's caption names both latest values.
  // A hang detector, not the goal: the goal (first curves within 30 s) is a printed figure.
  await expect(page.getByTestId("chart-fvu-latest")).toContainText("SAE", { timeout: 150_000 });
  await expect(page.getByTestId("chart-fvu-latest")).toContainText("Transcoder");
  const firstCurves = (Date.now() - started) / 1000;

  await waitForStatus(page, "done", 420_000 - (Date.now() - started));
  const finished = (Date.now() - started) / 1000;
  for (const kind of ["sae", "transcoder"]) {
    const score = Number(await page.getByTestId(`${kind}-ce_loss_score`).textContent());
    expect(score, `${kind} ce_loss_score`).toBeGreaterThan(0);
    expect(score).toBeLessThan(1.1);
    await expect(page.getByTestId(`${kind}-step`)).toHaveText("60");
  }
  const tasks = await longTasks(page);
  const longest = Math.max(0, ...tasks);
  // The same tasks from a trace, with the main thread's CPU time in each: on a shared machine most
  // of a long task's wall time is waiting for a core, not the page's work.
  const traced = await trace.stop();
  const ownWork = traced.filter((t) => t.cpuMs > 50);
  const mostCpu = Math.max(0, ...traced.map((t) => t.cpuMs));
  figure("first curves after Train", firstCurves, "s", "30 s");
  figure("default run finished and scored", finished, "s", "120 s on SwiftShader");
  figure("main-thread long tasks while training", tasks.length, "tasks", "none");
  figure("longest main-thread task while training", longest, "ms", "under 50 ms");
  figure(
    "main-thread tasks over 50 ms of CPU time (the page's own work)",
    ownWork.length,
    "tasks",
    "none",
  );
  figure("most main-thread CPU time in one task while training", mostCpu, "ms", "under 50 ms");
  // A hang detector several times the goal, on the page's own work (recharts left tasks up to
  // 270 ms). The wall-time figures above are printed only: in a trace of a default run on a
  // 2-core machine shared with other work, 26 tasks over 50 ms (longest 493 ms) held 2 to 7 ms of
  // the main thread's CPU time each; the rest was waiting for a core.
  expect(mostCpu, "most main-thread CPU time in one task while training (ms)").toBeLessThan(250);
});

import type { Page } from "@playwright/test";
import {
  controls,
  expect,
  figure,
  openApp,
  small,
  test,
  waitForPhase,
  waitForStatus,
} from "./fixtures.ts";

/**
 * Records in the page when the next click on the run controls lands, and when the controls
 * first say Pausing…, paused, Stopping… and stopped after it (read with watched()).
 */
async function watchControls(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { times: Record<string, number>; watching?: boolean };
    w.times = {};
    if (w.watching) return;
    w.watching = true;
    const bar = document.querySelector('[data-testid="run-controls"]')!;
    const status = document.querySelector('[data-testid="progress"]')!;
    bar.addEventListener("click", () => (w.times.clickAt ??= performance.now()), true);
    const seen = () => {
      const t = w.times;
      if (t.clickAt === undefined) return;
      const text = bar.textContent ?? "";
      if (text.includes("Pausing…")) t.pausingAt ??= performance.now();
      if (text.includes("Stopping…")) t.stoppingAt ??= performance.now();
      if (bar.getAttribute("data-phase") === "paused") t.pausedAt ??= performance.now();
      const runStatus = status.querySelector('[data-testid="run-status"]')?.textContent;
      if (runStatus === "stopped") t.stoppedAt ??= performance.now();
    };
    const options = { subtree: true, childList: true, characterData: true, attributes: true };
    new MutationObserver(seen).observe(bar, options);
    new MutationObserver(seen).observe(status, options);
  });
}

async function watched(page: Page) {
  return page.evaluate(
    () =>
      (window as unknown as { times: Record<string, number> }).times as {
        clickAt: number;
        pausingAt?: number;
        pausedAt: number;
        stoppingAt?: number;
        stoppedAt: number;
      },
  );
}

const shownStep = async (page: Page) =>
  Number(await page.getByTestId("progress").getAttribute("data-step"));

test("Pause and Stop answer at once, even during the first live CE evaluation, and take effect within a forward pass", async ({
  page,
}) => {
  // live 0: the automatic period, whose first evaluation comes at the first logging step.
  await openApp(page, small({ steps: 400, log: 5, live: 0 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  const status = page.getByTestId("run-status");
  await expect(status).toContainText("measuring the CE score", { timeout: 120_000 });
  await page.screenshot({ path: test.info().outputPath("train-running.png") });

  await watchControls(page);
  await page.getByRole("button", { name: "Pause" }).click();
  // The click is answered on the page at once, before the worker has paused.
  await expect(page.getByRole("button", { name: /^(Pausing…|Resume)$/ })).toBeVisible({
    timeout: 5_000,
  });
  await page.screenshot({ path: test.info().outputPath("train-pausing.png") });
  await waitForPhase(page, "paused", 60_000);
  const { clickAt, pausingAt, pausedAt } = await watched(page);
  if (pausingAt !== undefined) {
    figure(
      "Pause clicked during the first live CE eval: the button says Pausing…",
      pausingAt - clickAt,
      "ms",
      "at once (< 100 ms)",
    );
  }
  figure(
    "Pause clicked during the first live CE eval: paused",
    pausedAt - clickAt,
    "ms",
    "within one training step on SwiftShader, < 1 s on a GPU",
  );
  expect(pausedAt - clickAt, "paused: a hang detector, not the goal").toBeLessThan(30_000);
  await expect(status).toHaveText("paused");
  const step = await shownStep(page);
  await page.waitForTimeout(1000);
  expect(await shownStep(page), "no steps while paused").toBe(step);

  // Resume finishes the evaluation it held: its point reaches the CE chart.
  await page.getByRole("button", { name: "Resume" }).click();
  await expect(page.getByTestId("chart-ce-latest")).toContainText("SAE", { timeout: 120_000 });
  await expect(page.getByTestId("chart-ce")).toContainText("live 2 windows");

  await expect.poll(() => shownStep(page), { timeout: 60_000 }).toBeGreaterThan(step + 2);
  await watchControls(page);
  await page.getByRole("button", { name: "Stop" }).click();
  await waitForStatus(page, "stopped", 60_000);
  const stop = await watched(page);
  if (stop.stoppingAt !== undefined) {
    figure(
      "Stop clicked while training: the button says Stopping…",
      stop.stoppingAt - stop.clickAt,
      "ms",
      "at once (< 100 ms)",
    );
  }
  figure(
    "Stop clicked while training: stopped (checkpoint and weights saved)",
    stop.stoppedAt - stop.clickAt,
    "ms",
    "within one training step on SwiftShader, < 1 s on a GPU",
  );
  await expect(controls(page)).toHaveAttribute("data-phase", "idle");
});

/** Long enough to stop after step 10 with steps left to resume (50 ran to the end before Stop landed on a quiet machine). */
const STOPPED_RUN_STEPS = 100;

test("a stopped run is evaluated as it is, downloads as its step, and resumes from that step to the end", async ({
  page,
}) => {
  await openApp(page, small({ steps: STOPPED_RUN_STEPS, log: 5, live: 1000, eval: 2 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await expect.poll(() => shownStep(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(10);
  await page.getByRole("button", { name: "Stop" }).click();
  await waitForStatus(page, "stopped", 60_000);
  const stopped = await shownStep(page);
  expect(stopped).toBeLessThan(STOPPED_RUN_STEPS);
  await expect(page.getByTestId("sae-ce_loss_score")).toHaveText("–");

  // Evaluate scores the weights of the step it stopped at; the run stays stopped.
  await page.getByRole("button", { name: "Evaluate" }).click();
  await waitForStatus(page, "stopped", 120_000);
  for (const kind of ["sae", "transcoder"]) {
    const score = Number(await page.getByTestId(`${kind}-ce_loss_score`).textContent());
    expect(Number.isFinite(score), `${kind} ce_loss_score`).toBe(true);
  }
  // It is the CE chart's last point, marked final, with how many windows each kind of point read.
  await expect(page.getByTestId("chart-ce-latest")).toContainText("◆");
  await expect(page.getByTestId("chart-ce")).toContainText("final 2 windows");
  expect(await shownStep(page)).toBe(stopped);
  await page.screenshot({ path: test.info().outputPath("stopped-evaluated.png") });

  await page.getByRole("tab", { name: "Runs" }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download" }).first().click();
  expect((await download).suggestedFilename()).toContain(`-step-${stopped}`);
  await page.getByRole("tab", { name: "Train" }).click();

  // Resume continues from the step it stopped at (never from 0) and finishes the run.
  await page.getByRole("button", { name: "Resume" }).click();
  const seen: number[] = [];
  await expect
    .poll(
      async () => {
        seen.push(await shownStep(page));
        return seen[seen.length - 1];
      },
      { timeout: 120_000 },
    )
    .toBeGreaterThan(stopped);
  expect(Math.min(...seen), "steps shown after Resume").toBeGreaterThanOrEqual(stopped);
  await waitForStatus(page, "done", 180_000);
  expect(Number(await page.getByTestId("transcoder-step").textContent())).toBe(STOPPED_RUN_STEPS);
});

import { expect, test as base, type Page } from "@playwright/test";

/** Tiny settings for SwiftShader: both dictionaries, 64 latents, batches of 64 tokens. */
const SMALL: Record<string, string> = {
  layer: "1",
  batch: "64",
  steps: "40",
  log: "5",
  "sae.site": "hook_mlp_out",
  "sae.dsae": "64",
  "sae.l1": "0.3",
  "sae.lr": "0.003",
  "transcoder.dsae": "64",
  "transcoder.l1": "0.3",
  "transcoder.lr": "0.003",
  eval: "1",
  live: "1000",
};

/** The page's query string for the small settings with some of them changed. */
export function small(changes: Record<string, string | number> = {}): string {
  const p = new URLSearchParams(SMALL);
  for (const [k, v] of Object.entries(changes)) p.set(k, String(v));
  return `?${p.toString()}`;
}

/** Each test fails on any console error or uncaught page error it did not expect. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
      await use(errors);
      expect(errors, "console errors on the page").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Opens the page with a query and waits for the built-in model. */
export async function openApp(page: Page, query = ""): Promise<void> {
  await page.goto(query);
  await expect(page.getByTestId("model-badge")).toBeVisible({ timeout: 90_000 });
}

/** The step the progress bar shows (tokens done / batch). */
export async function tokensDone(page: Page): Promise<number> {
  const text = (await page.getByTestId("progress-tokens").textContent()) ?? "";
  const m = /^([\d.]+)(k?)/.exec(text.trim());
  if (!m) return 0;
  return Number(m[1]) * (m[2] === "k" ? 1000 : 1);
}

export const controls = (page: Page) => page.getByTestId("run-controls");

/** Waits until the live run is in a phase (running, paused, idle...). */
export async function waitForPhase(page: Page, phase: string, timeout = 120_000): Promise<void> {
  await expect(controls(page)).toHaveAttribute("data-phase", phase, { timeout });
}

/** The newest run's status in the progress bar (running, paused, done, interrupted...). */
export async function waitForStatus(page: Page, status: string, timeout = 180_000): Promise<void> {
  await expect(page.getByTestId("run-status")).toHaveText(status, { timeout });
}

/** Starts recording main-thread long tasks; read them with longTasks(). */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: "longtask", buffered: false });
  });
}

export async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
}

/**
 * A measured figure (a time, a count) with its goal. Goals are printed, not asserted: CI machines
 * are shared and noisy, so a test's hard bound on a time is only a hang detector several times the
 * goal. The figures reporter (e2e/figuresReporter.ts) lists every figure at the end of the run.
 */
export function figure(name: string, value: number, unit: string, goal: string): void {
  const text = `${name}: ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit} (goal: ${goal})`;
  test.info().annotations.push({ type: "figure", description: text });
  console.log(`figure · ${text}`);
}

/**
 * Presses Train. A run estimated over 10 minutes asks first; a test's long-running run (thousands
 * of steps, to be paused or faulted on the way) can be estimated that long when the throughput
 * probe ran on a loaded machine, so the test confirms it.
 */
export async function pressTrain(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Train", exact: true }).click();
  const confirm = page.getByTestId("confirm-run");
  const asked = await confirm
    .waitFor({ state: "visible", timeout: 1000 })
    .then(() => true)
    .catch(() => false);
  if (asked) await confirm.getByRole("button", { name: "Start" }).click();
}

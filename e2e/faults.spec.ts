import type { Page } from "@playwright/test";
import type { InjectedFault } from "../src/worker/protocol.ts";
import {
  expect,
  openApp,
  pressTrain,
  small,
  test,
  waitForPhase,
  waitForStatus,
} from "./fixtures.ts";

const inject = (page: Page, fault: InjectedFault) =>
  page.evaluate(
    (f) => (window as unknown as { __injectFault: (f: string) => void }).__injectFault(f),
    fault,
  );

const stepOf = async (page: Page) =>
  Number(await page.getByTestId("transcoder-step").textContent());

/** After Resume: the run trains past where it stopped; then Stop ends it. */
async function resumesAndTrains(page: Page, from: number) {
  await page.getByRole("button", { name: "Resume" }).click();
  await waitForStatus(page, "running");
  await expect.poll(() => stepOf(page), { timeout: 120_000 }).toBeGreaterThan(from + 5);
  await page.getByRole("button", { name: "Stop" }).click();
  await waitForStatus(page, "stopped");
}

async function trainUntilStep(page: Page, query: string, step: number) {
  await openApp(page, query);
  await pressTrain(page);
  await expect
    .poll(async () => Number(await page.getByTestId("transcoder-step").textContent()), {
      timeout: 90_000,
    })
    .toBeGreaterThanOrEqual(step);
}

test("no WebGPU: the page says which browsers and flags work, and stays usable", async ({
  page,
}) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "gpu", { get: () => undefined });
  });
  await page.goto("");
  const alert = page.getByTestId("fault-no-webgpu");
  await expect(alert).toContainText("Chrome or Edge 113");
  await expect(alert).toContainText("--enable-unsafe-webgpu");
  await expect(page.getByTestId("adapter-badge")).toHaveText("No WebGPU");
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByText("No runs yet. Runs are kept in this browser.")).toBeVisible();
});

test("device lost: the run stops at its last checkpoint and Resume continues on a new device", async ({
  page,
}) => {
  await trainUntilStep(page, small({ steps: 2000 }), 10);
  await page.getByRole("button", { name: "Pause" }).click();
  await waitForPhase(page, "paused");
  const paused = await stepOf(page);
  await inject(page, "device-lost");
  await expect(page.getByTestId("fault-device-lost")).toContainText("GPU device lost");
  await waitForStatus(page, "interrupted");
  await resumesAndTrains(page, paused);
});

test("NaN in the loss: paused with the step, the dictionary and a hint; resumes from the checkpoint", async ({
  page,
}) => {
  await trainUntilStep(page, small({ steps: 2000, log: 1 }), 8);
  await inject(page, "nan");
  const alert = page.getByTestId("fault-nan");
  await expect(alert).toContainText("Training diverged");
  await expect(alert).toContainText("SAE's loss became NaN");
  await expect(alert).toContainText("lower its learning rate");
  await waitForStatus(page, "interrupted");
  await page.getByTestId("sae-lr").fill("0.001");
  await resumesAndTrains(page, await stepOf(page));
  // The lower learning rate took effect from the checkpoint, and the run says so.
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByTestId("run-changes")).toContainText("SAE lr 0.003 → 0.001");
});

test("a run too large for the adapter is refused with the size and the limit", async ({ page }) => {
  // Other architectures split such a batch into micro-batches; BatchTopK selects over the
  // whole batch, so it cannot be split.
  const url = { steps: 5, batch: 65536, sae: 0, "transcoder.dsae": 65536 };
  await openApp(page, small({ ...url, "transcoder.arch": "batchtopk" }));
  // Refused before it starts: the run estimate names the buffer and the limit, Train is off.
  await expect(page.getByRole("button", { name: "Train", exact: true })).toBeDisabled();
  const alert = page.getByTestId("run-estimate-refusal");
  await expect(alert).toContainText(
    /transcoder: batch 65536 x d_sae 65536 needs \d+ MiB buffers, over this adapter's \d+ MiB per binding, and BatchTopK selects over the whole batch at once, so it cannot be split: use a batch of at most \d+/,
  );
  // Still usable: a smaller run trains.
  await page.getByTestId("batch").fill("64");
  await page.getByTestId("transcoder-dsae").fill("64");
  await pressTrain(page);
  await waitForStatus(page, "done");
});

test("the worker dies: a message, a new engine, and the run resumes", async ({ page }) => {
  await trainUntilStep(page, small({ steps: 2000 }), 10);
  await page.getByRole("button", { name: "Pause" }).click();
  await waitForPhase(page, "paused");
  const paused = await stepOf(page);
  await inject(page, "worker-crash");
  await expect(page.getByTestId("fault-worker")).toContainText("The engine stopped");
  await waitForStatus(page, "interrupted");
  await page.getByRole("button", { name: "Start a new engine" }).click();
  await expect(page.getByTestId("fault-worker")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Resume" })).toBeEnabled({ timeout: 90_000 });
  await resumesAndTrains(page, paused);
});

test("a damaged built-in model file is reported, naming the file", async ({ page }) => {
  await page.route("**/builtin/gpt2-brown/model.safetensors", async (route) => {
    const response = await route.fetch();
    const body = await response.body();
    await route.fulfill({ response, body: body.subarray(0, body.length - 1000) });
  });
  await page.goto("");
  await expect(page.getByTestId("fault-model")).toHaveText(
    /^Could not load the model: gpt2-brown\/model\.safetensors: file is truncated: tensor "transformer\.wte\.weight" ends at byte \d+ but the file has only \d+ bytes$/,
    { timeout: 60_000 },
  );
  await expect(page.getByRole("button", { name: "Train", exact: true })).toBeDisabled();
});

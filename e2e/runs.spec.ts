import { unzipSync } from "fflate";
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, openApp, small, test, waitForStatus } from "./fixtures.ts";

test("two runs: labelled by their config diff, both on the Pareto chart (one tick per L0 value), downloadable as SAELens files with their curves; Reproduce picks any run and copies", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openApp(page, small({ steps: 20 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByTestId("transcoder-l1").fill("1");
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");

  await page.getByRole("tab", { name: "Runs" }).click();
  const labels = page.getByTestId("run-label");
  await expect(labels).toHaveCount(2);
  await expect(labels.first()).toHaveText("transcoder l1 0.3 → 1");
  await expect(page.getByTestId("run-name")).toHaveText(["run 2", "run 1"]);
  await expect(page.getByTestId("pareto-ce")).toContainText("4 points");
  await expect(page.getByTestId("pareto-fvu").locator(".recharts-symbols")).toHaveCount(4);

  // The download is named by the run and the step of its weights; each folder by the run, the
  // kind, the site and the width, with the run's curves and evaluation beside the weights.
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download" }).first().click();
  expect((await download).suggestedFilename()).toBe("run-2-step-20-saelens.zip");
  const files = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
  const sae = "run-2_SAE_blocks.1.hook_mlp_out_64";
  const tc = "run-2_transcoder_blocks.1.mlp_64";
  const names = [
    "cfg.json",
    "eval.json",
    "metrics.jsonl",
    "sae_weights.safetensors",
    "sparsity.safetensors",
  ];
  expect(Object.keys(files).sort()).toEqual([
    ...names.map((n) => `${sae}/${n}`),
    ...names.map((n) => `${tc}/${n}`),
  ]);
  const json = (name: string) =>
    JSON.parse(new TextDecoder().decode(files[name])) as Record<string, unknown>;
  const cfg = json(`${tc}/cfg.json`) as {
    architecture: string;
    d_sae: number;
    metadata: Record<string, unknown>;
  };
  expect(cfg.architecture).toBe("transcoder");
  expect(cfg.d_sae).toBe(64);
  expect(cfg.metadata.hook_name_out).toBe("blocks.1.hook_mlp_out");
  // Each dictionary has its own initialisation seed.
  const saeSeed = (json(`${sae}/cfg.json`).metadata as Record<string, unknown>).seed;
  expect(typeof cfg.metadata.seed).toBe("number");
  expect(typeof saeSeed).toBe("number");
  expect(cfg.metadata.seed).not.toBe(saeSeed);
  // Logged every 5 steps: 4 lines, as npm run train writes them.
  const lines = new TextDecoder().decode(files[`${tc}/metrics.jsonl`]).trimEnd().split("\n");
  const steps = lines.map((l) => (JSON.parse(l) as { step: number; fvu: number }).step);
  expect(steps).toEqual([5, 10, 15, 20]);
  expect(
    lines.every((l) => !l.includes("feature_density_log10") && !l.includes("tokensPerSecond")),
  ).toBe(true);
  expect(typeof json(`${tc}/eval.json`).ce_loss_score).toBe("number");

  // The Python panel maps the SAE run to SAELens and the transcoder to sparsify.
  await expect(page.getByTestId("reproduce-saelens")).toContainText("l1_coefficient=0.3");
  await expect(page.getByTestId("reproduce-saelens")).toContainText(`seed=${String(saeSeed)}`);
  await expect(page.getByTestId("reproduce-sparsify")).toContainText("--transcode");
  await sameSaeL0OneTickEachAndReproduceAnyRun(page);
});

/**
 * Two runs that change only the transcoder train the same SAE, so its L0 is the same twice. The
 * Pareto chart's log L0 axis once drew one tick per point (two with the same value and React
 * key); it draws 1-2-5 ticks, each once. Reproduce in Python picks any run and copies its code.
 */
async function sameSaeL0OneTickEachAndReproduceAnyRun(page: Page): Promise<void> {
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
  await page.screenshot({ path: test.info().outputPath("runs-view.png"), fullPage: true });

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
}

/** RFC 4180 rows: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

test("runs are renamed and annotated (kept over a reload), sorted, filtered and exported as CSV", async ({
  page,
}) => {
  await openApp(page, small({ steps: 10, eval: 0 }));
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByTestId("transcoder-l1").fill("3");
  await page.getByRole("button", { name: "Train", exact: true }).click();
  await waitForStatus(page, "done");
  await page.getByRole("tab", { name: "Runs" }).click();

  await page.getByRole("button", { name: "Rename run 2" }).click();
  await page.getByTestId("run-name-input").fill("strong l1");
  await page.getByTestId("run-name-input").press("Enter");
  await page.getByRole("button", { name: "Add notes to strong l1" }).click();
  await page.getByTestId("run-notes-input").fill("too sparse; <b>dead</b> latents");
  await page.getByTestId("run-notes-input").press("Control+Enter");
  await page.reload();
  await expect(page.getByTestId("model-badge")).toBeVisible({ timeout: 90_000 });
  await page.getByRole("tab", { name: "Runs" }).click();
  await expect(page.getByTestId("run-name")).toHaveText(["strong l1", "run 1"]);
  // Notes are text, never markup.
  await expect(page.getByTestId("run-notes")).toHaveText("too sparse; <b>dead</b> latents");
  if (process.env.SHOTS_DIR) {
    await page.screenshot({ path: `${process.env.SHOTS_DIR}/runs-named.png` });
  }

  // Sorted by FVU, each dictionary is its own row, lowest first.
  const table = page.getByTestId("runs-table");
  await page.getByTestId("runs-sort-fvu").click();
  const fvus = async () =>
    table.locator("tbody tr").evaluateAll((rows) =>
      rows.map((row) => {
        const cells = [...row.querySelectorAll("td")].map((td) => td.textContent ?? "");
        const i = cells.findIndex((c) => c === "SAE" || c === "Transcoder");
        return Number(cells[i + 3]);
      }),
    );
  const ascending = await fvus();
  expect(ascending).toHaveLength(4);
  expect([...ascending].sort((a, b) => a - b)).toEqual(ascending);
  await page.getByTestId("runs-sort-fvu").click();
  expect(await fvus()).toEqual([...ascending].reverse());

  // Filtered by the notes: the renamed run's two dictionaries.
  await page.getByTestId("runs-filter").fill("sparse");
  await expect(table.locator("tbody tr")).toHaveCount(2);
  await expect(page.getByTestId("runs-shown")).toHaveText("2 of 4 dictionaries");
  // Every word must match: the notes, and the transcoder's site.
  await page.getByTestId("runs-filter").fill("sparse blocks.1.mlp");
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await page.getByTestId("runs-filter").fill("");

  const download = page.waitForEvent("download");
  await page.getByTestId("runs-csv").click();
  expect((await download).suggestedFilename()).toBe("runs.csv");
  const csv = parseCsv(readFileSync(await (await download).path(), "utf8"));
  expect(csv).toHaveLength(5);
  const header = csv[0]!;
  for (const column of [
    "run",
    "status",
    "notes",
    "dictionary",
    "l1_coefficient",
    "seed",
    "last_fvu",
  ]) {
    expect(header).toContain(column);
  }
  const rows = csv.slice(1);
  const col = (name: string) => rows.map((r) => r[header.indexOf(name)]);
  expect(new Set(col("run"))).toEqual(new Set(["strong l1", "run 1"]));
  expect(
    rows
      .filter(
        (r) =>
          r[header.indexOf("run")] === "strong l1" &&
          r[header.indexOf("dictionary")] === "transcoder",
      )
      .map((r) => r[header.indexOf("l1_coefficient")]),
  ).toEqual(["3"]);
  expect(
    col("last_fvu")
      .map(Number)
      .sort((a, b) => a - b),
  ).toEqual([...ascending].sort((a, b) => a - b).map((v) => expect.closeTo(v, 3)));
});

test("a shared URL reproduces its configuration", async ({ page }) => {
  await openApp(page, "?layer=0&batch=96&steps=33&sae=0&transcoder.dsae=256&transcoder.l1=2");
  await expect(page.getByTestId("layer")).toHaveValue("0");
  await expect(page.getByTestId("batch")).toHaveValue("96");
  await expect(page.getByTestId("steps")).toHaveValue("33");
  await expect(page.getByTestId("enable-sae")).not.toBeChecked();
  await expect(page.getByTestId("transcoder-dsae")).toHaveValue("256");
  await expect(page.getByTestId("transcoder-l1")).toHaveValue("2");
  await page.getByTestId("steps").fill("44");
  await expect(page).toHaveURL(/steps=44/);
});

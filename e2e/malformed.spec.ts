/**
 * The malformed corpus through the page: every broken file gets its specific message on its
 * own item, nothing hangs, and the page stays usable (the same corpus the CLI test runs).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeMalformedCorpus } from "../test/malformedCorpus.ts";
import { expect, openApp, small, test } from "./fixtures.ts";

test("every file of the malformed corpus is refused with its own message", async ({ page }) => {
  const dir = await mkdtemp(join(tmpdir(), "malformed-"));
  try {
    const cases = writeMalformedCorpus(dir);
    await openApp(page, small({ steps: 4, eval: 0 }));
    await page.getByRole("tab", { name: "Inspect" }).click();
    for (const c of cases) {
      await page.getByTestId("pick-files").setInputFiles(c.files);
      const item = page
        .getByTestId("loaded-item")
        .filter({ has: page.getByTestId("load-error").filter({ hasText: c.message }) });
      await expect(item, c.name).toHaveCount(1, { timeout: 20_000 });
      expect(await item.getByTestId("load-error").textContent()).not.toMatch(/\n/);
      await item.getByRole("button", { name: "Remove" }).click();
      await expect(page.getByTestId("loaded-item")).toHaveCount(0);
    }
    // Failed items do not pile up: one click clears them all.
    for (const c of cases.slice(0, 2)) await page.getByTestId("pick-files").setInputFiles(c.files);
    await expect(page.getByTestId("load-error")).toHaveCount(2);
    await page.getByTestId("clear-failed").click();
    await expect(page.getByTestId("loaded-item")).toHaveCount(0);
    // The page is still usable after all of them.
    await page.getByRole("tab", { name: "Train" }).click();
    await expect(page.getByRole("button", { name: "Train", exact: true })).toBeEnabled();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

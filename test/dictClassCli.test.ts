/**
 * npm run convert with a dictionary_learning ae.pt that has no config.json: AutoEncoderTopK and
 * BatchTopKSAE have the same tensors, so the CLI refuses until --dict-class names the class,
 * then writes what that class's own encode computes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recognize } from "../src/engine/formats/recognize/index.ts";
import { inferenceReference } from "../src/engine/reference/dictionaryInference.ts";
import { openPathFileSet } from "../src/node/pathFileSet.ts";

const root = join(import.meta.dirname, "..");
const formats = join(root, "test", "fixtures", "formats");
const dir = mkdtempSync(join(tmpdir(), "dict-class-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const convert = (args: string[]) =>
  spawnSync("npx", ["tsx", join(root, "src", "cli", "convert.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });

describe("npm run convert --dict-class", () => {
  const ae = join(formats, "dictionary_learning_batchtopk_no_config", "ae.pt");

  it("refuses a config-less ae.pt holding k, saying why and what to supply", () => {
    const r = convert([ae, "--out", join(dir, "never")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^convert: .*ae\.pt: holds k = 3, .*AutoEncoderTopK and BatchTopKSAE have the same tensors.*config\.json \(trainer\.dict_class\).*--dict-class BatchTopKSAE\)\n$/,
    );
  }, 60_000);

  it("refuses a class that is not one of the two", () => {
    const r = convert([ae, "--out", join(dir, "never"), "--dict-class", "AutoEncoder"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'convert: --dict-class is "AutoEncoder"; expected AutoEncoderTopK or BatchTopKSAE\n',
    );
  }, 60_000);

  it("with --dict-class BatchTopKSAE writes a folder computing BatchTopKSAE.encode", async () => {
    const out = join(dir, "batchtopk");
    const r = convert([ae, "--out", out, "--dict-class", "BatchTopKSAE"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^dictionary_learning · BatchTopKSAE · d_in 8, d_sae 12/);
    const set = await openPathFileSet([out]);
    try {
      const back = await recognize(set);
      if (back.kind !== "dictionary") throw new Error("expected a dictionary");
      const { spec, params } = await back.load();
      const expected = JSON.parse(
        readFileSync(
          join(formats, "dictionary_learning_batchtopk_no_config", "expected.json"),
          "utf8",
        ),
      ) as { rows: number; x: number[]; latents: number[]; outputs: number[] };
      const got = inferenceReference(spec, params, expected.x, expected.rows);
      got.latents.forEach((v, i) => expect(Math.abs(v - expected.latents[i]!)).toBeLessThan(1e-5));
      got.output.forEach((v, i) => expect(Math.abs(v - expected.outputs[i]!)).toBeLessThan(1e-5));
    } finally {
      await set.close();
    }
  }, 60_000);
});

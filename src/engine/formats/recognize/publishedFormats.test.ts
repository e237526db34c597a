/**
 * Files in the pickled and npz formats, made by tools/make_format_fixtures.py with Debian's
 * PyTorch, load into the one Dictionary form with the latents and outputs that each format's
 * own forward pass (float64, in that script) gives.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { inferenceReference } from "../../reference/dictionaryInference.ts";
import { bytesFileSet } from "../fileSet.ts";
import { saelensForm } from "./finishLoad.ts";
import { describeRecognized, recognize, NeedsDictClass, type RecognizeOptions } from "./index.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..", "test", "fixtures", "formats");

function filesOf(folder: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== "expected.json") out[relative(folder, full)] = readFileSync(full);
    }
  };
  walk(folder);
  return out;
}

const CASES: [folder: string, description: RegExp, options?: RecognizeOptions][] = [
  [
    "transcoder_circuits",
    /^transcoder_circuits · relu \(b_dec_out\) transcoder · d_in 8, d_sae 12, d_out 8 · blocks\.3\.ln2\.hook_normalized → blocks\.3\.hook_mlp_out · F32 ·/,
  ],
  [
    "openai",
    /^OpenAI sparse_autoencoder · topk k=3 \(LayerNorm input\) SAE · d_in 8, d_sae 12, d_out 8 · blocks\.2\.hook_resid_post ·/,
  ],
  [
    "openai_identity",
    /^OpenAI sparse_autoencoder · topk k=3, postact Identity \(LayerNorm input\) SAE · /,
  ],
  [
    "openai_no_activation",
    /^OpenAI sparse_autoencoder · relu SAE · d_in 8, d_sae 12, d_out 8 · blocks\.5\.hook_mlp_out ·/,
  ],
  [
    "dictionary_learning_autoencoder",
    /^dictionary_learning · AutoEncoder SAE · .* blocks\.3\.hook_resid_post/,
  ],
  ["dictionary_learning_topk", /^dictionary_learning · AutoEncoderTopK SAE/],
  ["dictionary_learning_batchtopk", /^dictionary_learning · BatchTopKSAE · d_in 8/],
  [
    "dictionary_learning_topk_no_config",
    /^dictionary_learning · AutoEncoderTopK SAE · /,
    { dictClass: "AutoEncoderTopK" },
  ],
  [
    "dictionary_learning_batchtopk_no_config",
    /^dictionary_learning · BatchTopKSAE · /,
    { dictClass: "BatchTopKSAE" },
  ],
  ["dictionary_learning_gated", /^dictionary_learning · GatedAutoEncoder SAE/],
  ["dictionary_learning_jumprelu", /^dictionary_learning · JumpReluAutoEncoder SAE/],
  [
    "gemma_scope_1",
    /^Gemma Scope 1 · jumprelu SAE · d_in 8, d_sae 12, d_out 8 · blocks\.4\.hook_resid_post ·/,
  ],
];

describe("published pickle and npz formats", () => {
  for (const [folder, description, options] of CASES) {
    it(folder, async () => {
      const dir = join(ROOT, folder);
      const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as {
        rows: number;
        x: number[];
        latents: number[];
        outputs: number[];
      };
      const r = await recognize(bytesFileSet(folder, filesOf(dir)), options);
      expect(describeRecognized(r)).toMatch(description);
      if (r.kind !== "dictionary") throw new Error("expected a dictionary");
      const { spec, params } = await r.load();
      const got = inferenceReference(spec, params, expected.x, expected.rows);
      expect(got.latents.length).toBe(expected.latents.length);
      const scale = Math.max(...expected.outputs.map(Math.abs));
      got.latents.forEach((v, i) =>
        expect(Math.abs(v - expected.latents[i]!)).toBeLessThan(1e-5 * scale),
      );
      got.output.forEach((v, i) =>
        expect(Math.abs(v - expected.outputs[i]!)).toBeLessThan(1e-5 * scale),
      );
      expect(expected.latents.some((v) => v > 0) && expected.latents.some((v) => v === 0)).toBe(
        true,
      );
    });
  }

  it("OpenAI's postact_fn Identity keeps negative top-k values, which SAELens cannot save", async () => {
    const { latents } = JSON.parse(
      readFileSync(join(ROOT, "openai_identity", "expected.json"), "utf8"),
    ) as { latents: number[] };
    expect(latents.filter((v) => v < -0.1).length).toBeGreaterThan(3);
    const r = await recognize(
      bytesFileSet("openai_identity", filesOf(join(ROOT, "openai_identity"))),
    );
    if (r.kind !== "dictionary") throw new Error("expected a dictionary");
    const loaded = await r.load();
    expect(() => saelensForm(loaded)).toThrow(
      /keeps negative values .*SAELens's TopK always applies a ReLU, so it cannot be saved/,
    );
  });

  for (const folder of [
    "dictionary_learning_topk_no_config",
    "dictionary_learning_batchtopk_no_config",
  ]) {
    it(`${folder}: refused until the class is chosen, naming k and what to supply`, async () => {
      const files = filesOf(join(ROOT, folder));
      expect(Object.keys(files)).toEqual(["ae.pt"]);
      const refusal = await recognize(bytesFileSet(folder, files)).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(NeedsDictClass);
      const message = (refusal as Error).message;
      expect(message).toMatch(
        /ae\.pt: holds k = 3, .*AutoEncoderTopK and BatchTopKSAE have the same tensors/,
      );
      expect(message).toContain("config.json (trainer.dict_class)");
      expect(message).toContain("--dict-class BatchTopKSAE");
    });
  }
});

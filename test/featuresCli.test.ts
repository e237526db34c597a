/** npm run features: one run on the built-in model and a small transcoder, against the reference. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { initDictionary } from "../src/engine/dictionary/init.ts";
import type { DictionarySpec } from "../src/engine/dictionary/spec.ts";
import { featureStatsReference } from "../src/engine/features/featureStatsReference.ts";
import type { JsonFeature } from "../src/engine/features/featuresJson.ts";
import { tokenListWindows } from "../src/engine/features/featureWindows.ts";
import { createBuffer } from "../src/engine/gpu/kernel.ts";
import { readFloats } from "../src/engine/gpu/readBuffer.ts";
import { captureHook, GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { transcoderSites } from "../src/engine/model/hooks.ts";
import { inferenceReference } from "../src/engine/reference/dictionaryInference.ts";
import { encodeText, GPT2_EOT } from "../src/engine/text/tokenizer.ts";
import { loadModelFolder } from "../src/node/modelFolder.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { saveSaelensFolder } from "../src/node/saelensFolder.ts";
import { loadBuiltinCorpus } from "../src/node/builtinCorpus.ts";
import { corpusWindows } from "../src/engine/features/featureWindows.ts";
import { testDevice } from "../src/node/testDevice.ts";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "features-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TEXT = (
  "The jury said it did find that many of Georgia's registration and election laws are " +
  "outmoded or inadequate and often ambiguous.<|endoftext|>It recommended that Fulton " +
  "legislators act to have these laws studied and revised to the end of modernizing them. "
).repeat(5);

describe("npm run features", () => {
  it(
    "writes features.json that agrees with the float64 reference",
    { timeout: 600_000 },
    async () => {
      const { input, output } = transcoderSites(1);
      const spec: DictionarySpec = {
        kind: "transcoder",
        dIn: 128,
        dSae: 32,
        dOut: 128,
        applyBDecToInput: false,
        hookName: input,
        hookNameOut: output,
        modelName: "gpt2-brown",
        normalizeActivations: "none",
        contextSize: 128,
        // cfg.json's prepend_bos holds for --text-file too (as npm run eval reads it).
        prependBos: true,
      };
      const params = initDictionary(spec, 3);
      params.wEnc.forEach((v, i) => (params.wEnc[i] = v * 20));
      await saveSaelensFolder(join(dir, "tc"), spec, params);
      writeFileSync(join(dir, "text.txt"), TEXT);
      const out = join(dir, "features.json");
      const r = spawnSync(
        "npx",
        [
          "tsx",
          join(root, "src", "cli", "features.ts"),
          "--model",
          "builtin",
          "--dict",
          join(dir, "tc"),
          "--text-file",
          join(dir, "text.txt"),
          "--context",
          "3",
          "--out",
          out,
        ],
        { cwd: root, encoding: "utf8" },
      );
      expect(r.stderr).toMatch(/wrote .*features\.json: 32 features/);
      expect(r.status).toBe(0);
      const json = JSON.parse(readFileSync(out, "utf8")) as {
        metadata: Record<string, unknown>;
        features: JsonFeature[];
      };
      const tokens = encodeText(TEXT);
      const windows = tokenListWindows(tokens, 128, true, GPT2_EOT);
      expect(json.metadata).toMatchObject({
        windows: windows.count,
        tokens_read: windows.count * 128,
        context_size: 128,
        prepend_bos: true,
        excluded_tokens: [GPT2_EOT],
        seed: 0,
        kind: "transcoder",
      });
      expect(json.features).toHaveLength(32);
      expect(Object.keys(json.metadata)).toEqual(
        expect.arrayContaining(["definitions", "differences_from_saedashboard"]),
      );

      const { device } = await testDevice();
      const weights = await loadModelFolder("builtin", { processing: true });
      const rows = windows.count * 128;
      const model = new GpuGpt2(device, loadNodeShaders(), weights, rows, 128);
      const x = createBuffer(device, "x", rows * 128 * 4);
      model.setTokens(windows.read(0, windows.count));
      const encoder = device.createCommandEncoder();
      model.encodeForward(encoder, {
        nSeq: windows.count,
        seqLen: 128,
        lastLayer: 1,
        handlers: [captureHook(input, x)],
      });
      device.queue.submit([encoder.finish()]);
      const acts = await readFloats(device, x, rows * 128);
      model.destroy();
      const all = windows.read(0, windows.count);
      expect(all[0]).toBe(GPT2_EOT);
      // SAEDashboard's activations: the dictionary's times ‖W_dec[f]‖ (fold_W_dec_norm).
      const latents = inferenceReference(spec, params, acts, rows).latents;
      for (let f = 0; f < 32; f++) {
        let ss = 0;
        for (let d = 0; d < 128; d++) ss += params.wDec[f * 128 + d]! ** 2;
        for (let r = 0; r < rows; r++) latents[r * 32 + f]! *= Math.sqrt(ss);
      }
      const want = featureStatsReference(latents, all, 32, 128, {
        seed: 0,
        excludeTokens: [GPT2_EOT],
      });
      expect(json.metadata.tokens_counted).toBe(want.tokens);
      let fired = 0;
      for (const f of json.features) {
        expect(f.count).toBe(want.count[f.index]);
        expect(f.density).toBe(want.count[f.index]! / (windows.count * 128));
        expect(Object.keys(f)).toEqual(expect.arrayContaining(["top_deembedding", "neighbors"]));
        expect(f.top_logits).toHaveLength(10);
        expect(f.neighbors).toHaveLength(10);
        expect(f.histogram.counts.reduce((a, b) => a + b, 0)).toBe(f.count);
        if (f.count === 0) continue;
        fired++;
        expect(Math.abs(f.max_activation / want.max[f.index]! - 1)).toBeLessThan(1e-4);
        expect(f.top_examples.map((e) => [e.sequence, e.position])).toEqual(
          want.top[f.index]!.map((e) => [e.sequence, e.position]),
        );
        for (const e of f.top_examples) {
          expect(e.tokens[e.token_index]).toBe(all[e.sequence * 128 + e.position]);
        }
      }
      expect(fired).toBeGreaterThan(8);
    },
  );

  it(
    "--tokens N reads the held-out slice, as the page's dashboards do",
    { timeout: 600_000 },
    async () => {
      const spec: DictionarySpec = {
        kind: "sae",
        dIn: 128,
        dSae: 8,
        dOut: 128,
        applyBDecToInput: true,
        hookName: "blocks.0.hook_resid_post",
        hookNameOut: "blocks.0.hook_resid_post",
        modelName: "gpt2-brown",
        normalizeActivations: "none",
        contextSize: 128,
        prependBos: false,
      };
      const params = initDictionary(spec, 4);
      params.wEnc.forEach((v, i) => (params.wEnc[i] = v * 20));
      await saveSaelensFolder(join(dir, "sae"), spec, params);
      const out = join(dir, "held-out.json");
      const r = spawnSync(
        "npx",
        [
          "tsx",
          join(root, "src", "cli", "features.ts"),
          "--model",
          "builtin",
          "--dict",
          join(dir, "sae"),
          "--tokens",
          "256",
          "--out",
          out,
        ],
        { cwd: root, encoding: "utf8" },
      );
      expect(r.stderr).toMatch(/wrote .*held-out\.json: 8 features over/);
      expect(r.status).toBe(0);
      const json = JSON.parse(readFileSync(out, "utf8")) as {
        metadata: Record<string, unknown>;
        features: JsonFeature[];
      };
      const corpus = await loadBuiltinCorpus();
      expect(json.metadata).toMatchObject({
        source: `${corpus.name} held-out slice`,
        windows: 2,
        tokens_read: 256,
      });
      const all = corpusWindows(corpus, corpus.heldOut, 128, false, 2).read(0, 2);
      let examples = 0;
      for (const f of json.features) {
        for (const e of f.top_examples) {
          expect(e.tokens[e.token_index]).toBe(all[e.sequence * 128 + e.position]);
          examples++;
        }
      }
      expect(examples).toBeGreaterThan(8);
    },
  );
});

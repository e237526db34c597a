/**
 * Where published dictionaries read, and a square circuit-tracer decoder, against each format's
 * own forward pass (tools/make_site_fixtures.py, float64 from each project's code): sparsify and
 * circuit-tracer transcoders read the MLP module's input after ln_2's gain and bias, which the
 * engine gives them by folding the model's unprocessed ln_2 into the encoder; Gemma Scope 1 sites
 * come from the release name, and its embedding SAE is rescaled by √d_in as SAELens does.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { inferenceReference } from "../../reference/dictionaryInference.ts";
import { dictionaryMismatch } from "../../model/compatibility.ts";
import { referenceForward } from "../../model/gpt2Reference.ts";
import { bindToModel, unprocessedLn2 } from "../../model/mlpInputSite.ts";
import { GpuGpt2 } from "../../model/gpuGpt2.ts";
import { loadGpt2ToGpu } from "../../model/streamGpt2.ts";
import { parseGpt2Config } from "../../model/gpt2Config.ts";
import { openSafetensors } from "../safetensors.ts";
import { bytesByteSource } from "../byteSource.ts";
import { bytesFileSet } from "../fileSet.ts";
import { toSaelensCfg } from "../saelensCfg.ts";
import { loadModelFolder } from "../../../node/modelFolder.ts";
import { loadNodeShaders } from "../../../node/nodeShaders.ts";
import { testDevice } from "../../../node/testDevice.ts";
import { describeRecognized, recognize, type RecognizedDictionary } from "./index.ts";

const FIXTURES = join(import.meta.dirname, "..", "..", "..", "..", "test", "fixtures");
const FORMATS = join(FIXTURES, "formats");
const TINY = join(FIXTURES, "gpt2", "tiny");

interface Expected {
  latents: number[];
  outputs: number[];
  tokens?: number[];
  layer?: number;
  rows?: number;
  x?: number[];
}

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

async function fixture(folder: string): Promise<{ r: RecognizedDictionary; expected: Expected }> {
  const dir = join(FORMATS, folder);
  const r = await recognize(bytesFileSet(folder, filesOf(dir)));
  if (r.kind !== "dictionary") throw new Error("expected a dictionary");
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
  return { r, expected };
}

/** Largest |got − want| over both arrays, relative to the largest |output|. */
function worst(got: { latents: Float64Array; output: Float64Array }, want: Expected): number {
  expect(got.latents.length).toBe(want.latents.length);
  expect(got.output.length).toBe(want.outputs.length);
  const scale = Math.max(...want.outputs.map(Math.abs));
  let err = 0;
  got.latents.forEach((v, i) => (err = Math.max(err, Math.abs(v - want.latents[i]!))));
  got.output.forEach((v, i) => (err = Math.max(err, Math.abs(v - want.outputs[i]!))));
  return err / scale;
}

describe("transcoders reading the MLP module's input (after ln_2's gain and bias)", () => {
  for (const [folder, format] of [
    ["site_sparsify_transcoder", /^sparsify · topk k=4 transcode skip transcoder · d_in 32/],
    ["site_circuit_tracer", /^circuit-tracer \/ mwhanna transcoder · relu skip transcoder/],
  ] as const) {
    it(`${folder}: the processed tiny model's ln2.hook_normalized, with ln_2 folded in, gives the format's latents`, async () => {
      const { r, expected } = await fixture(folder);
      expect(describeRecognized(r)).toMatch(format);
      expect(describeRecognized(r)).toContain("blocks.1.mlp.hook_in → blocks.1.hook_mlp_out");
      expect(r.notes.join(" ")).toContain("reads the MLP module's input");
      const loaded = await r.load();
      const model = await loadModelFolder(TINY, { processing: true });
      expect(dictionaryMismatch(loaded.spec, model.config, "tiny")).toBeUndefined();
      const tokens = expected.tokens!;
      const xHat = referenceForward(model, tokens).hooks.get("blocks.1.ln2.hook_normalized")!;

      const bound = bindToModel(loaded, {
        config: model.config,
        ln2Unprocessed: unprocessedLn2(model),
      });
      expect(bound.spec.hookName).toBe("blocks.1.ln2.hook_normalized");
      expect(
        bindToModel(loaded, { config: model.config, ln2Unprocessed: unprocessedLn2(model) }).params,
      ).toBe(bound.params);
      const got = inferenceReference(bound.spec, bound.params, xHat, tokens.length);
      expect(worst(got, expected)).toBeLessThan(2e-5);
      expect(expected.latents.some((v) => v > 0) && expected.latents.some((v) => v === 0)).toBe(
        true,
      );

      // What reading x̂ without the fold gives: far from the format's numbers.
      const unfolded = inferenceReference(loaded.spec, loaded.params, xHat, tokens.length);
      expect(worst(unfolded, expected)).toBeGreaterThan(0.05);
    });
  }

  it("the unprocessed model gives the same fold as the processed one", async () => {
    const { r, expected } = await fixture("site_sparsify_transcoder");
    const loaded = await r.load();
    const raw = await loadModelFolder(TINY, { processing: false });
    const xHat = referenceForward(raw, expected.tokens!).hooks.get("blocks.1.ln2.hook_normalized")!;
    const bound = bindToModel(loaded, { config: raw.config, ln2Unprocessed: unprocessedLn2(raw) });
    expect(
      worst(inferenceReference(bound.spec, bound.params, xHat, expected.tokens!.length), expected),
    ).toBeLessThan(2e-5);
  });

  it("a circuit-tracer transcoder exports as SAELens names it: blocks.L.mlp.hook_in with fold_ln false", async () => {
    const { r } = await fixture("site_circuit_tracer");
    const cfg = toSaelensCfg(r.spec);
    const metadata = cfg.metadata as Record<string, unknown>;
    expect(metadata.hook_name).toBe("blocks.1.mlp.hook_in");
    expect(metadata.model_from_pretrained_kwargs).toEqual({ fold_ln: false });
  });

  it("a GPU model keeps its checkpoint's ln_2 gain and bias, streamed or uploaded", async () => {
    const { device } = await testDevice();
    const shaders = loadNodeShaders();
    const raw = await loadModelFolder(TINY, { processing: false });
    const file = await openSafetensors(
      bytesByteSource(readFileSync(join(TINY, "model.safetensors")), "tiny/model.safetensors"),
    );
    const config = parseGpt2Config(readFileSync(join(TINY, "config.json"), "utf8"), "config.json");
    const streamed = await loadGpt2ToGpu(config, file, device, { processing: true });
    const uploaded = await loadModelFolder(TINY, { processing: true });
    for (const weights of [streamed, uploaded]) {
      const gpu = new GpuGpt2(device, shaders, weights, 4, 4);
      try {
        raw.layers.forEach((l, i) => {
          expect(Array.from(gpu.ln2Unprocessed[i]!.gain)).toEqual(Array.from(l.ln2W));
          expect(Array.from(gpu.ln2Unprocessed[i]!.bias)).toEqual(Array.from(l.ln2B));
        });
        expect(raw.layers[1]!.ln2W.some((g) => Math.abs(g - 1) > 0.05)).toBe(true);
      } finally {
        gpu.destroy();
      }
    }
  });
});

describe("a square circuit-tracer W_dec (d_sae = d_model)", () => {
  for (const [folder, convention] of [
    ["square_circuit_tracer", /read as circuit-tracer stores it, \[d_model, d_sae\].*has W_skip/],
    ["square_mwhanna", /read as mwhanna \/ SAELens store it, \[d_sae, d_model\].*no W_skip/],
  ] as const) {
    it(`${folder}: oriented as its writer's loader reads it, and the notes say which and why`, async () => {
      const { r, expected } = await fixture(folder);
      expect(r.notes.join("\n")).toMatch(convention);
      expect(r.notes.join("\n")).toMatch(/If it was written as .* W_dec transposed/);
      const { spec, params } = await r.load();
      expect([spec.dSae, spec.dOut]).toEqual([32, 32]);
      const got = inferenceReference(spec, params, expected.x!, expected.rows!);
      expect(worst(got, expected)).toBeLessThan(2e-5);
    });
  }
});

describe("Gemma Scope 1 sites from the release name", () => {
  for (const [folder, hook] of [
    ["gemma_scope_mlp", "blocks.5.hook_mlp_out"],
    ["gemma_scope_att", "blocks.3.attn.hook_z"],
    ["gemma_scope_embedding", "hook_embed"],
  ] as const) {
    it(`${folder}: ${hook}, with SAELens's weights`, async () => {
      const { r, expected } = await fixture(folder);
      expect(r.spec.hookName).toBe(hook);
      expect(r.spec.hookNameOut).toBe(hook);
      expect(describeRecognized(r)).toContain(` · ${hook} · `);
      const { spec, params } = await r.load();
      const got = inferenceReference(spec, params, expected.x!, expected.rows!);
      expect(worst(got, expected)).toBeLessThan(1e-5);
    });
  }

  it("an attention SAE exports with SAELens's hook_z reshape", async () => {
    const { r } = await fixture("gemma_scope_att");
    expect(toSaelensCfg(r.spec).reshape_activations).toBe("hook_z");
  });
});

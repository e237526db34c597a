/**
 * Each published format, made here from known weights, is recognised, described, and loads
 * into the one Dictionary form with the latents and outputs of that format's own forward pass.
 */
import { describe, expect, it } from "vitest";
import { inferenceReference } from "../../reference/dictionaryInference.ts";
import { transpose } from "../../model/gpt2Weights.ts";
import { hfConfigJson, hfTensors } from "../../model/hfCheckpoint.ts";
import { randomGpt2Weights, tinyConfig } from "../../model/randomGpt2.ts";
import { bytesFileSet } from "../fileSet.ts";
import { FormatError } from "../formatError.ts";
import { writeSafetensors } from "../safetensors.ts";
import { describeRecognized, recognize, recognizedJson, type Recognized } from "./index.ts";

const D = 8;
const M = 12;
const ROWS = 6;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}
const rand = rng(11);
const randoms = (n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => rand() * 2 * scale);

const x = randoms(ROWS * D, 2);
/** W [D, M] in SAELens orientation and its parts. */
const wEnc = randoms(D * M);
const bEnc = randoms(M, 0.3);
const wDec = randoms(M * D);
const bDec = randoms(D, 0.5);
const wSkip = randoms(D * D, 0.2);

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const st = (tensors: Record<string, [number[], Float32Array]>) =>
  writeSafetensors(
    Object.entries(tensors).map(([name, [shape, data]]) => ({
      name,
      dtype: "F32" as const,
      shape,
      data,
    })),
  );

async function loadDictionary(files: Record<string, Uint8Array>, name = "drop") {
  const r = await recognize(bytesFileSet(name, files));
  if (r.kind !== "dictionary") throw new Error("expected a dictionary");
  return { r, ...(await r.load()) };
}

/** The format's own forward: pre = x' W + b per row, latent(pre, i), y = out(f, r). */
function ownForward(
  input: (r: number, k: number) => number,
  latent: (pre: number[], i: number) => number,
  output: (f: number[], r: number, d: number) => number,
) {
  const latents: number[] = [];
  const outputs: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    const pre = Array.from({ length: M }, (_, i) => {
      let t = bEnc[i]!;
      for (let k = 0; k < D; k++) t += input(r, k) * wEnc[k * M + i]!;
      return t;
    });
    const f = pre.map((_, i) => latent(pre, i));
    latents.push(...f);
    for (let d = 0; d < D; d++) outputs.push(output(f, r, d));
  }
  return { latents, outputs };
}

const decodeRow = (f: number[], d: number) => {
  let t = bDec[d]!;
  for (let i = 0; i < M; i++) t += f[i]! * wDec[i * D + d]!;
  return t;
};
const skipRow = (r: number, d: number) => {
  let t = 0;
  for (let k = 0; k < D; k++) t += x[r * D + k]! * wSkip[d * D + k]!;
  return t;
};
const topk = (k: number) => (pre: number[], i: number) => {
  const relu = pre.map((p) => Math.max(0, p));
  const kth = [...relu].sort((a, b) => b - a)[k - 1]!;
  return relu[i]! >= kth ? relu[i]! : 0;
};

function expectSame(
  loaded: Awaited<ReturnType<typeof loadDictionary>>,
  want: { latents: number[]; outputs: number[] },
) {
  const got = inferenceReference(loaded.spec, loaded.params, x, ROWS);
  got.latents.forEach((v, i) => expect(v).toBeCloseTo(want.latents[i]!, 5));
  got.output.forEach((v, i) => expect(v).toBeCloseTo(want.outputs[i]!, 5));
  expect(got.latents.some((v) => v > 0) && got.latents.some((v) => v === 0)).toBe(true);
}

describe("recognising published formats", () => {
  it("sparsify: TopK after ReLU, encoder.weight transposed, b_dec subtracted from an SAE's input", async () => {
    const k = 3;
    const loaded = await loadDictionary({
      "gpt2-saes/config.json": json({ model: "gpt2", ctx_len: 128 }),
      "gpt2-saes/h.4/cfg.json": json({
        d_in: D,
        k,
        num_latents: M,
        activation: "topk",
        transcode: false,
      }),
      "gpt2-saes/h.4/sae.safetensors": st({
        "encoder.weight": [[M, D], transpose(wEnc, D, M)],
        "encoder.bias": [[M], bEnc],
        W_dec: [[M, D], wDec],
        b_dec: [[D], bDec],
      }),
    });
    expect(loaded.spec).toMatchObject({
      kind: "sae",
      hookName: "blocks.4.hook_resid_post",
      modelName: "gpt2",
      applyBDecToInput: true,
    });
    expectSame(
      loaded,
      ownForward(
        (r, kk) => x[r * D + kk]! - bDec[kk]!,
        topk(k),
        (f, _r, d) => decodeRow(f, d),
      ),
    );
    expect(describeRecognized(loaded.r)).toBe(
      "sparsify · topk k=3 SAE · d_in 8, d_sae 12, d_out 8 · blocks.4.hook_resid_post · F32 · 1.1 kB",
    );
  });

  it("sparsify transcode with a skip connection", async () => {
    const loaded = await loadDictionary({
      "h.2.mlp/cfg.json": json({
        d_in: D,
        k: 2,
        num_latents: M,
        transcode: true,
        skip_connection: true,
      }),
      "h.2.mlp/sae.safetensors": st({
        "encoder.weight": [[M, D], transpose(wEnc, D, M)],
        "encoder.bias": [[M], bEnc],
        W_dec: [[M, D], wDec],
        b_dec: [[D], bDec],
        W_skip: [[D, D], wSkip],
      }),
    });
    expect(loaded.spec).toMatchObject({
      kind: "transcoder",
      skip: true,
      hookName: "blocks.2.mlp.hook_in",
      hookNameOut: "blocks.2.hook_mlp_out",
    });
    expectSame(
      loaded,
      ownForward(
        (r, k) => x[r * D + k]!,
        topk(2),
        (f, r, d) => decodeRow(f, d) + skipRow(r, d),
      ),
    );
  });

  it("Gemma Scope 2: lowercase names, JumpReLU with ReLU, the affine skip applied as x @ Wᵀ", async () => {
    const threshold = Float32Array.from({ length: M }, (_, i) => 0.15 * (i % 3));
    const loaded = await loadDictionary({
      "layer_5/config.json": json({
        architecture: "jump_relu",
        hf_hook_point_in: "model.layers.5.pre_feedforward_layernorm.output",
        hf_hook_point_out: "model.layers.5.post_feedforward_layernorm.output",
      }),
      "layer_5/params.safetensors": st({
        w_enc: [[D, M], wEnc],
        w_dec: [[M, D], wDec],
        b_enc: [[M], bEnc],
        b_dec: [[D], bDec],
        threshold: [[M], threshold],
        affine_skip_connection: [[D, D], wSkip],
      }),
    });
    expect(loaded.r.format).toBe("Gemma Scope 2");
    expect(loaded.spec.kind).toBe("transcoder");
    expectSame(
      loaded,
      ownForward(
        (r, k) => x[r * D + k]!,
        (pre, i) => (pre[i]! > threshold[i]! ? Math.max(0, pre[i]!) : 0),
        (f, r, d) => decodeRow(f, d) + skipRow(r, d),
      ),
    );
  });

  it("Llama Scope: dataset-wise norm and a scalar threshold, as SAELens loads them", async () => {
    const avgIn = 5.5;
    const s = Math.sqrt(D) / avgIn;
    const theta = 0.3;
    const loaded = await loadDictionary({
      "L5R-8x/hyperparams.json": json({
        d_model: D,
        d_sae: M,
        hook_point_in: "blocks.5.hook_resid_post",
        jump_relu_threshold: theta,
        dataset_average_activation_norm: { in: avgIn, out: avgIn },
      }),
      "L5R-8x/checkpoints/final.safetensors": st({
        "encoder.weight": [[M, D], transpose(wEnc, D, M)],
        "encoder.bias": [[M], bEnc],
        "decoder.weight": [[D, M], transpose(wDec, M, D)],
        "decoder.bias": [[D], bDec],
      }),
    });
    expectSame(
      loaded,
      ownForward(
        (r, k) => x[r * D + k]! * s,
        (pre, i) => (pre[i]! > theta * s ? Math.max(0, pre[i]!) : 0),
        (f, _r, d) => decodeRow(f, d) / s,
      ),
    );
  });

  it("circuit-tracer: matrices oriented by shape, JumpReLU without ReLU", async () => {
    // A negative threshold is where the missing ReLU shows.
    const threshold = Float32Array.from({ length: M }, (_, i) => -1 + 0.3 * (i % 4));
    for (const decoderStored of ["as-is", "transposed"] as const) {
      const loaded = await loadDictionary({
        "layer_3.safetensors": st({
          W_enc: [[M, D], transpose(wEnc, D, M)],
          W_dec: decoderStored === "as-is" ? [[M, D], wDec] : [[D, M], transpose(wDec, M, D)],
          b_enc: [[M], bEnc],
          b_dec: [[D], bDec],
          "activation_function.threshold": [[M], threshold],
        }),
      });
      expect(loaded.spec).toMatchObject({
        hookName: "blocks.3.mlp.hook_in",
        hookNameOut: "blocks.3.hook_mlp_out",
      });
      const want = ownForward(
        (r, k) => x[r * D + k]!,
        (pre, i) => (pre[i]! > threshold[i]! ? pre[i]! : 0),
        (f, _r, d) => decodeRow(f, d),
      );
      expect(want.latents.some((v) => v < 0)).toBe(true);
      const got = inferenceReference(loaded.spec, loaded.params, x, ROWS);
      got.latents.forEach((v, i) => expect(v).toBeCloseTo(want.latents[i]!, 5));
      got.output.forEach((v, i) => expect(v).toBeCloseTo(want.outputs[i]!, 5));
    }
  });

  it("a GPT-2 checkpoint in Hugging Face or nanoGPT orientation loads the same weights", async () => {
    const cfg = tinyConfig();
    const w = randomGpt2Weights(cfg, 5);
    const hf = hfTensors(w, { prefix: "transformer." });
    const conv = [
      "attn.c_attn.weight",
      "attn.c_proj.weight",
      "mlp.c_fc.weight",
      "mlp.c_proj.weight",
    ];
    const nano = hf.map((t) =>
      conv.some((c) => t.name.endsWith(c))
        ? {
            ...t,
            shape: [t.shape[1]!, t.shape[0]!],
            data: transpose(t.data as Float32Array, t.shape[0]!, t.shape[1]!),
          }
        : t,
    );
    const results: Recognized[] = [];
    for (const tensors of [hf, nano]) {
      results.push(
        await recognize(
          bytesFileSet("gpt2-tiny", {
            "config.json": new TextEncoder().encode(hfConfigJson(cfg)),
            "model.safetensors": writeSafetensors(tensors),
          }),
        ),
      );
    }
    expect(results.map((r) => r.format)).toEqual([
      "GPT-2 checkpoint (Hugging Face)",
      "GPT-2 checkpoint (nanoGPT orientation)",
    ]);
    for (const r of results) {
      if (r.kind !== "model") throw new Error("expected a model");
      const loaded = await r.load();
      expect(loaded.layers[1]!.wQkv).toEqual(w.layers[1]!.wQkv);
      expect(loaded.layers[0]!.wOut).toEqual(w.layers[0]!.wOut);
    }
    expect(recognizedJson(results[0]!)).toMatchObject({
      kind: "model",
      config: { nLayer: cfg.nLayer },
    });
  });
});

describe("refusing what cannot be loaded", () => {
  async function refusal(files: Record<string, Uint8Array>): Promise<string> {
    try {
      await recognize(bytesFileSet("drop", files));
    } catch (e) {
      expect(e).toBeInstanceOf(FormatError);
      return (e as Error).message;
    }
    throw new Error("expected a refusal");
  }
  const tiny = st({ W_enc: [[D, M], wEnc] });

  it("names cross-layer transcoders and temporal SAEs and says why", async () => {
    expect(await refusal({ "W_enc_0.safetensors": tiny, "W_dec_0.safetensors": tiny })).toMatch(
      /^drop\/W_(enc|dec)_0\.safetensors: is part of a cross-layer transcoder \(CLT\)/,
    );
    expect(await refusal({ latest_ckpt: new Uint8Array(3) })).toContain("temporal SAE");
  });

  it("SAELens weights without cfg.json, and unknown files", async () => {
    expect(await refusal({ "sae_weights.safetensors": tiny })).toBe(
      "drop: has sae_weights.safetensors without its cfg.json; SAELens weights need the cfg.json saved beside them",
    );
    expect(await refusal({ "notes.txt": new Uint8Array(4) })).toMatch(
      /^drop: is not a recognised format: found "notes.txt"; expected a SAELens folder/,
    );
  });

  it("configs that are not JSON or disagree with the weights", async () => {
    expect(
      await refusal({ "cfg.json": new TextEncoder().encode("{k: 3"), "sae.safetensors": tiny }),
    ).toMatch(/^drop\/cfg\.json: invalid JSON/);
    const weights = st({
      "encoder.weight": [[M, D], transpose(wEnc, D, M)],
      "encoder.bias": [[M], bEnc],
      W_dec: [[M, D], wDec],
      b_dec: [[D], bDec],
    });
    expect(
      await refusal({ "cfg.json": json({ d_in: 16, k: 2 }), "sae.safetensors": weights }),
    ).toBe(
      'drop/cfg.json: field "d_in" is 16 but encoder.weight is [12, 8]; the config disagrees with the weights',
    );
  });

  it("NaN weights, naming the tensor", async () => {
    const bad = wDec.slice();
    bad[13] = NaN;
    const r = await recognize(
      bytesFileSet("drop", {
        "layer_1.safetensors": st({
          W_enc: [[D, M], wEnc],
          W_dec: [[M, D], bad],
          b_enc: [[M], bEnc],
          b_dec: [[D], bDec],
        }),
      }),
    );
    if (r.kind !== "dictionary") throw new Error("expected a dictionary");
    await expect(r.load()).rejects.toThrow(
      'drop/layer_1.safetensors: tensor "W_dec": NaN at row 1, column 5',
    );
  });
});

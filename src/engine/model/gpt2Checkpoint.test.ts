import { describe, expect, it } from "vitest";
import { bytesByteSource } from "../formats/byteSource.ts";
import { decodeFloats } from "../formats/dtypes.ts";
import { writeSafetensors } from "../formats/safetensors.ts";
import { hfCheckpointBytes, hfConfigJson, hfTensors } from "./hfCheckpoint.ts";
import { loadGpt2 } from "./loadGpt2.ts";
import { randomGpt2Weights, tinyConfig } from "./randomGpt2.ts";
import { countingSource } from "../formats/testFiles.ts";

const cfg = tinyConfig();
const weights = randomGpt2Weights(cfg, 3);
const config = { name: "tiny/config.json", text: hfConfigJson(cfg) };
const load = (bytes: Uint8Array, processing = false, cfgText = config.text) =>
  loadGpt2({ name: config.name, text: cfgText }, bytesByteSource(bytes, "tiny/model.safetensors"), {
    processing,
  });

function rounded(data: Float32Array, dtype: "F16" | "BF16"): Float32Array {
  const bytes = writeSafetensors([{ name: "t", dtype, shape: [data.length], data }]);
  const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  return decodeFloats(bytes.subarray(8 + header), dtype);
}

describe("loading a Hugging Face GPT-2 checkpoint", () => {
  it("reads every tensor, with or without the transformer. prefix", async () => {
    for (const prefix of ["", "transformer."]) {
      const w = await load(hfCheckpointBytes(weights, { prefix }));
      expect(w.config).toEqual(cfg);
      expect(w.processed).toBe(false);
      expect(w.layers[1]!.wIn).toEqual(weights.layers[1]!.wIn);
      expect(w.wte).toEqual(weights.wte);
      // The unembedding is wte transposed.
      expect(w.wU[3 * cfg.vocabSize + 5]).toBe(weights.wte[5 * cfg.dModel + 3]);
    }
  });

  it("converts F16 and BF16 storage to f32 exactly", async () => {
    for (const dtype of ["F16", "BF16"] as const) {
      const w = await load(hfCheckpointBytes(weights, { dtype }));
      expect(w.layers[0]!.wQkv).toEqual(rounded(weights.layers[0]!.wQkv, dtype));
      expect(w.wpe).toEqual(rounded(weights.wpe, dtype));
    }
  });

  it("reads tensor by tensor, never the whole file at once", async () => {
    const bytes = hfCheckpointBytes(weights);
    const src = countingSource(bytesByteSource(bytes, "m.safetensors"));
    await loadGpt2(config, src, { processing: true });
    const largest = Math.max(...src.reads.map((r) => r.length));
    // The largest tensor is c_fc's [d, d_mlp].
    expect(largest).toBe(cfg.dModel * cfg.dMlp * 4);
    expect(largest).toBeLessThan(bytes.byteLength / 2);
  });

  it("ignores lm_head.weight and the attention-mask buffers older HF files carry", async () => {
    const P = cfg.nCtx;
    const tensors = hfTensors(weights, { prefix: "transformer." });
    tensors.push(
      {
        name: "lm_head.weight",
        dtype: "F32",
        shape: [cfg.vocabSize, cfg.dModel],
        data: weights.wte,
      },
      {
        name: "transformer.h.1.attn.bias",
        dtype: "F32",
        shape: [1, 1, P, P],
        data: new Float32Array(P * P),
      },
      {
        name: "transformer.h.1.attn.masked_bias",
        dtype: "F32",
        shape: [],
        data: new Float32Array([-1e4]),
      },
    );
    // config.json as transformers writes it: n_inner null, dropout and summary fields.
    const hfStyle = JSON.stringify({
      ...JSON.parse(config.text),
      n_inner: null,
      n_ctx: P,
      attn_pdrop: 0.1,
      resid_pdrop: 0.1,
      summary_type: "cls_index",
      scale_attn_weights: true,
      scale_attn_by_inverse_layer_idx: false,
      reorder_and_upcast_attn: false,
      transformers_version: "4.46.0",
    });
    const w = await load(writeSafetensors(tensors), false, hfStyle);
    expect(w.config.dMlp).toBe(4 * cfg.dModel);
    expect(w.layers[1]!.wOut).toEqual(weights.layers[1]!.wOut);
  });
});

describe("bad model files are refused with the file and tensor named", () => {
  it("a missing tensor", async () => {
    const tensors = hfTensors(weights).filter((t) => t.name !== "h.1.mlp.c_fc.bias");
    await expect(load(writeSafetensors(tensors))).rejects.toThrow(
      'tiny/model.safetensors: missing tensor "h.1.mlp.c_fc.bias" [n_inner] (from tiny/config.json)',
    );
  });

  it("a tensor of the wrong shape", async () => {
    // [3d, d] would be nanoGPT's orientation; [d / 2, 6d] is no orientation.
    const tensors = hfTensors(weights).map((t) =>
      t.name === "h.0.attn.c_attn.weight" ? { ...t, shape: [cfg.dModel / 2, 6 * cfg.dModel] } : t,
    );
    await expect(load(writeSafetensors(tensors))).rejects.toThrow(
      /tiny\/model\.safetensors: tensor "h\.0\.attn\.c_attn\.weight": expected shape \[n_embd, 3 \* n_embd\] \(from tiny\/config\.json\) = \[16, 48\], found shape \[8, 96\]/,
    );
  });

  it("a config.json that disagrees with the weights", async () => {
    const bytes = hfCheckpointBytes(weights);
    const wider = hfConfigJson(tinyConfig({ dModel: 32, dHead: 8 }));
    await expect(load(bytes, false, wider)).rejects.toThrow(
      /tensor "wte\.weight": expected shape \[vocab_size, n_embd\].*= \[37, 32\], found shape \[37, 16\]/,
    );
    const fewerLayers = hfConfigJson(tinyConfig({ nLayer: 1 }));
    await expect(load(bytes, false, fewerLayers)).rejects.toThrow(
      "tiny/model.safetensors: has blocks up to h.1 but tiny/config.json says n_layer = 1",
    );
    const moreLayers = hfConfigJson(tinyConfig({ nLayer: 3 }));
    await expect(load(bytes, false, moreLayers)).rejects.toThrow(
      'missing tensor "h.2.ln_1.weight"',
    );
  });

  it("a truncated file", async () => {
    const bytes = hfCheckpointBytes(weights);
    await expect(load(bytes.subarray(0, bytes.byteLength - 100))).rejects.toThrow(
      /tiny\/model\.safetensors: .*(truncated|outside|beyond|past|ends)/,
    );
  });

  it("a config.json with a bad field", async () => {
    const bytes = hfCheckpointBytes(weights);
    const bad = JSON.stringify({ ...JSON.parse(config.text), n_head: 5 });
    await expect(load(bytes, false, bad)).rejects.toThrow(
      'tiny/config.json: field "n_head": expected a divisor of n_embd = 16, found 5',
    );
    const silu = JSON.stringify({ ...JSON.parse(config.text), activation_function: "silu" });
    await expect(load(bytes, false, silu)).rejects.toThrow(
      'field "activation_function": expected one of gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu, found "silu"',
    );
    await expect(load(bytes, false, "{not json")).rejects.toThrow(
      /tiny\/config\.json: is not valid JSON/,
    );
  });

  it("non-finite weights", async () => {
    const broken = randomGpt2Weights(cfg, 3);
    broken.layers[0]!.bOut[2] = NaN;
    await expect(load(hfCheckpointBytes(broken))).rejects.toThrow(
      'tiny/model.safetensors: tensor "h.0.mlp.c_proj.bias": NaN at row 0, column 2',
    );
  });
});

/** Test helpers: small transcoders and transcoder_circuits .pt files built byte by byte. */
import { initDictionary } from "../dictionary/init.ts";
import type { Activation, DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { f32Bytes, pickleTensor, PickleWriter, torchZip } from "../formats/torch/testing.ts";
import type { SetTranscoder } from "./transcoderSet.ts";

export function testTranscoder(
  layer: number,
  d: number,
  dSae: number,
  options: { activation?: Activation; skip?: boolean; modelName?: string; seed?: number } = {},
): SetTranscoder {
  const spec: DictionarySpec = {
    kind: "transcoder",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: false,
    hookName: `blocks.${layer}.ln2.hook_normalized`,
    hookNameOut: `blocks.${layer}.hook_mlp_out`,
    modelName: options.modelName ?? "tiny",
    normalizeActivations: "none",
    ...(options.activation ? { activation: options.activation } : {}),
    ...(options.skip ? { skip: true } : {}),
  };
  const params: DictionaryParams = initDictionary(spec, options.seed ?? 10 + layer);
  params.bEnc = params.bEnc.map((_, i) => 0.1 * Math.sin(i + layer));
  params.bDec = params.bDec.map((_, i) => 0.05 * Math.cos(i * 3 + layer));
  if (options.activation?.kind === "jumprelu") {
    params.threshold = Float32Array.from({ length: dSae }, (_, i) => 0.01 * (i % 5));
  }
  if (options.skip)
    params.wSkip = Float32Array.from({ length: d * d }, (_, i) => 0.01 * Math.sin(i));
  return { spec, params, source: `test L${layer}` };
}

/**
 * A transcoder_circuits file as its trainer saves it: {"cfg": {model_name, hook_point,
 * out_hook_point}, "state_dict": {W_enc [d, m], b_enc, W_dec [m, d], b_dec, b_dec_out}}.
 */
export function transcoderCircuitsPt(
  layer: number,
  w: Record<"W_enc" | "b_enc" | "W_dec" | "b_dec" | "b_dec_out", Float32Array>,
  d: number,
  m: number,
  modelName = "gpt2-small",
): Uint8Array {
  const p = new PickleWriter().proto().emptyDict();
  p.str("cfg").emptyDict();
  for (const [k, v] of [
    ["model_name", modelName],
    ["hook_point", `blocks.${layer}.ln2.hook_normalized`],
    ["out_hook_point", `blocks.${layer}.hook_mlp_out`],
  ]) {
    p.str(k!).str(v!).setitem();
  }
  p.setitem().str("state_dict").emptyDict();
  const shapes: Record<string, number[]> = {
    W_enc: [d, m],
    b_enc: [m],
    W_dec: [m, d],
    b_dec: [d],
    b_dec_out: [d],
  };
  const storages: Record<string, Uint8Array> = {};
  Object.entries(w).forEach(([name, values], i) => {
    const key = String(i);
    pickleTensor(p.str(name), { key, numel: values.length, shape: shapes[name]! }).setitem();
    storages[key] = f32Bytes([...values]);
  });
  return torchZip(p.setitem().stop().finish(), storages);
}

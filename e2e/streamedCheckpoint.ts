/**
 * Writes a GPT-2-architecture Hugging Face checkpoint of random F16 weights, tensor by tensor
 * (header first, then each tensor appended in slices), so that a GPT-2-small-sized file (~250 MB)
 * never sits in memory whole.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hfConfigJson } from "../src/engine/model/hfCheckpoint.ts";
import type { Gpt2Config } from "../src/engine/model/gpt2Config.ts";

/** How a tensor's values are drawn: LayerNorm gains near 1, small biases, weights ~±0.03. */
type Fill = "gain" | "bias" | "weight";

interface TensorPlan {
  name: string;
  shape: number[];
  fill: Fill;
}

function tensorPlans(c: Gpt2Config): TensorPlan[] {
  const { dModel: d, dMlp, vocabSize: V, nCtx } = c;
  const plans: TensorPlan[] = [
    { name: "wte.weight", shape: [V, d], fill: "weight" },
    { name: "wpe.weight", shape: [nCtx, d], fill: "weight" },
  ];
  for (let i = 0; i < c.nLayer; i++) {
    const h = `h.${i}.`;
    plans.push(
      { name: h + "ln_1.weight", shape: [d], fill: "gain" },
      { name: h + "ln_1.bias", shape: [d], fill: "bias" },
      { name: h + "attn.c_attn.weight", shape: [d, 3 * d], fill: "weight" },
      { name: h + "attn.c_attn.bias", shape: [3 * d], fill: "bias" },
      { name: h + "attn.c_proj.weight", shape: [d, d], fill: "weight" },
      { name: h + "attn.c_proj.bias", shape: [d], fill: "bias" },
      { name: h + "ln_2.weight", shape: [d], fill: "gain" },
      { name: h + "ln_2.bias", shape: [d], fill: "bias" },
      { name: h + "mlp.c_fc.weight", shape: [d, dMlp], fill: "weight" },
      { name: h + "mlp.c_fc.bias", shape: [dMlp], fill: "bias" },
      { name: h + "mlp.c_proj.weight", shape: [dMlp, d], fill: "weight" },
      { name: h + "mlp.c_proj.bias", shape: [d], fill: "bias" },
    );
  }
  plans.push(
    { name: "ln_f.weight", shape: [d], fill: "gain" },
    { name: "ln_f.bias", shape: [d], fill: "bias" },
  );
  return plans;
}

/** F16 bit patterns straight from a xorshift generator (no float conversion needed). */
function f16Fill(out: Uint16Array, fill: Fill, state: { s: number }): void {
  let s = state.s;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = s >>> 0;
    if (fill === "gain") {
      out[i] = 0x3c00 | (r & 0x7f); // 1.0 … 1.12
    } else {
      // Exponent 2^-7 … 2^-5 for weights, 2^-10 … 2^-8 for biases; random sign and mantissa.
      const exp = (fill === "weight" ? 8 : 5) + ((r >>> 10) % 3);
      out[i] = ((r >>> 31) << 15) | (exp << 10) | (r & 0x3ff);
    }
  }
  state.s = s;
}

const SLICE_VALUES = 1 << 20;

/** Writes config.json and model.safetensors into `dir`; returns the weights file's size. */
export function writeStreamedCheckpoint(dir: string, config: Gpt2Config, seed = 1): number {
  writeFileSync(join(dir, "config.json"), hfConfigJson(config));
  const plans = tensorPlans(config);
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const p of plans) {
    const bytes = 2 * p.shape.reduce((a, b) => a * b, 1);
    header[p.name] = { dtype: "F16", shape: p.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const path = join(dir, "model.safetensors");
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(json, "utf8")]));
  const state = { s: seed | 1 };
  const slice = new Uint16Array(SLICE_VALUES);
  for (const p of plans) {
    let left = p.shape.reduce((a, b) => a * b, 1);
    while (left > 0) {
      const n = Math.min(left, SLICE_VALUES);
      const view = slice.subarray(0, n);
      f16Fill(view, p.fill, state);
      appendFileSync(path, new Uint8Array(view.buffer, 0, 2 * n));
      left -= n;
    }
  }
  return 8 + json.length + offset;
}

import type { Gpt2Config } from "./gpt2Config.ts";
import type { Gpt2Tensors } from "./gpt2Tensors.ts";
import type { GpuLayerWeights } from "./gpuWeights.ts";
import { centre, centreRows, foldLayerNorm, foldValueBias, ones } from "./processWeights.ts";
import type { WeightBuffers } from "./weightBuffers.ts";

export type TensorReads = Pick<Gpt2Tensors, "read" | "readRows">;

interface Block {
  read(name: string): Promise<Float32Array>;
  up(name: string, data: Float32Array): GPUBuffer;
  d: number;
  dMlp: number;
}

interface LayerNorm {
  w: Float32Array;
  b: Float32Array;
}

/**
 * Reads block `l` and uploads it tensor by tensor, each processed as processWeights does
 * (processing) or with ln2 folded into the MLP's input as uploadWeights does (no processing), so
 * that the buffers hold exactly what the host path uploads. Each step needs only this block.
 */
export async function streamLayer(
  reads: TensorReads,
  buffers: WeightBuffers,
  config: Gpt2Config,
  l: number,
  processing: boolean,
): Promise<GpuLayerWeights> {
  const block: Block = {
    read: (name) => reads.read(`h.${l}.${name}`),
    up: (name, data) => buffers.upload(`h.${l}.${name}`, data),
    d: config.dModel,
    dMlp: config.dMlp,
  };
  return { ...(await attention(block, processing)), ...(await mlp(block, processing)) };
}

/** ln_1 and attention; processing folds ln_1 into QKV, centres W_O and b_O, folds b_V into b_O. */
async function attention(block: Block, processing: boolean) {
  const { read, up, d } = block;
  const ln = { w: await read("ln_1.weight"), b: await read("ln_1.bias") };
  if (!processing) {
    return {
      ln1W: up("ln_1.weight", ln.w),
      ln1B: up("ln_1.bias", ln.b),
      wQkv: await pass(block, "attn.c_attn.weight"),
      bQkv: await pass(block, "attn.c_attn.bias"),
      wO: await pass(block, "attn.c_proj.weight"),
      bO: await pass(block, "attn.c_proj.bias"),
    };
  }
  const qkv = await foldInto(block, "attn.c_attn", ln, 3 * d, true);
  const bV = qkv.b.slice(2 * d);
  qkv.b.fill(0, 2 * d);
  const wO = centreRows(await read("attn.c_proj.weight"), d, d);
  const bO = foldValueBias(centre(await read("attn.c_proj.bias")), bV, wO, d);
  return {
    ln1W: up("ln_1.weight", ones(d)),
    ln1B: up("ln_1.bias", new Float32Array(d)),
    wQkv: qkv.w,
    bQkv: up("attn.c_attn.bias", qkv.b),
    wO: up("attn.c_proj.weight", wO),
    bO: up("attn.c_proj.bias", bO),
  };
}

/**
 * ln_2 and the MLP. ln_2's gain and bias always move into c_fc (ln2.hook_normalized is
 * LayerNorm's output before them); processing also centres c_fc over d_model and c_proj's output.
 */
async function mlp(block: Block, processing: boolean) {
  const { read, up, d, dMlp } = block;
  const ln = { w: await read("ln_2.weight"), b: await read("ln_2.bias") };
  const mlpIn = await foldInto(block, "mlp.c_fc", ln, dMlp, processing);
  const centreOut = (w: Float32Array) => centreRows(w, dMlp, d);
  return {
    ln2W: up("ln_2.weight", ones(d)),
    ln2B: up("ln_2.bias", new Float32Array(d)),
    wIn: mlpIn.w,
    bIn: up("mlp.c_fc.bias", mlpIn.b),
    wOut: await pass(block, "mlp.c_proj.weight", processing ? centreOut : undefined),
    bOut: await pass(block, "mlp.c_proj.bias", processing ? centre : undefined),
  };
}

// The helpers below hold a large tensor only in their own frames: an async function's frame
// may keep its locals alive across every later await.

/** Reads a tensor, transforms it and uploads it. */
async function pass(block: Block, name: string, transform = (x: Float32Array) => x) {
  return block.up(name, transform(await block.read(name)));
}

/** Folds `ln` into the Conv1D `name` (weight [d, cols] and bias); uploads the weight. */
async function foldInto(block: Block, name: string, ln: LayerNorm, cols: number, centre: boolean) {
  const { d, read, up } = block;
  const weight = await read(`${name}.weight`);
  const folded = foldLayerNorm(weight, await read(`${name}.bias`), ln.w, ln.b, d, cols, centre);
  return { w: up(`${name}.weight`, folded.w), b: folded.b };
}

import { createBuffer } from "../gpu/kernel.ts";
import type { FrozenModel } from "./frozenModel.ts";

/** One block's frozen weights, laid out as the backward kernels read them. */
export interface GpuFrozenLayer {
  /** [d (out), d (in)] = W_skip: g_n2 = g @ W_skip. */
  wSkip?: GPUBuffer;
  /** [d (out c), d (z j)] = W_Oᵀ: g_z = g_mid @ W_Oᵀ. */
  wOT: GPUBuffer;
  /** [d (v j), d (in c)] = (W_V · diag γ1)ᵀ: g_n1 = g_v @ (W_V γ1)ᵀ. */
  wVTGain: GPUBuffer;
  /** [nHead, P (key q), P (query p)] = the pattern transposed. */
  patternT: GPUBuffer;
}

/** A FrozenModel uploaded once: per-layer weights and a table of inverse LayerNorm scales. */
export interface GpuFrozenModel {
  layers: GpuFrozenLayer[];
  /** [2 · nLayer + 1, P] 1/s: ln1 of layer ℓ at row ℓ, ln2 at nLayer + ℓ, ln_final last. */
  invScales: GPUBuffer;
  /** [d] zeros: linear.wgsl's bias. */
  zeroBias: GPUBuffer;
}

export const ln1ScaleRow = (l: number): number => l;
export const ln2ScaleRow = (model: FrozenModel, l: number): number => model.nLayer + l;
export const lnFinalScaleRow = (model: FrozenModel): number => 2 * model.nLayer;

export function uploadFrozenModel(device: GPUDevice, model: FrozenModel): GpuFrozenModel {
  const d = model.dModel;
  const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
    const buffer = createBuffer(device, label, data.byteLength);
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  const layers = model.layers.map((layer, l): GpuFrozenLayer => {
    const gain = layer.ln1Gain;
    const gpu: GpuFrozenLayer = {
      wOT: upload(`circuit W_O^T ${l}`, transposed(layer.wO, d)),
      wVTGain: upload(
        `circuit W_V^T ${l}`,
        transposed(
          layer.wV.map((w, i) => (gain ? w * gain[Math.floor(i / d)]! : w)),
          d,
        ),
      ),
      patternT: upload(`circuit pattern^T ${l}`, transposedPatterns(layer.pattern, model)),
    };
    if (layer.wSkip) gpu.wSkip = upload(`circuit W_skip ${l}`, Float32Array.from(layer.wSkip));
    return gpu;
  });
  const P = model.positions;
  const invScales = new Float32Array((2 * model.nLayer + 1) * P);
  model.layers.forEach((layer, l) => {
    for (let p = 0; p < P; p++) {
      invScales[ln1ScaleRow(l) * P + p] = 1 / layer.ln1Scale[p]!;
      invScales[ln2ScaleRow(model, l) * P + p] = 1 / layer.ln2Scale[p]!;
    }
  });
  for (let p = 0; p < P; p++)
    invScales[lnFinalScaleRow(model) * P + p] = 1 / model.lnFinalScale[p]!;
  return {
    layers,
    invScales: upload("circuit inverse LayerNorm scales", invScales),
    zeroBias: upload("circuit zero bias", new Float32Array(d)),
  };
}

export function destroyFrozenModel(gpu: GpuFrozenModel): void {
  for (const layer of gpu.layers)
    for (const buffer of [layer.wSkip, layer.wOT, layer.wVTGain, layer.patternT]) buffer?.destroy();
  gpu.invScales.destroy();
  gpu.zeroBias.destroy();
}

/** [d, d] row-major → its transpose. */
function transposed(w: ArrayLike<number>, d: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = w[i * d + j]!;
  return out;
}

/** pattern[h, p, q] → patternT[h, q, p]. */
function transposedPatterns(pattern: Float64Array, model: FrozenModel): Float32Array<ArrayBuffer> {
  const P = model.positions;
  const out = new Float32Array(model.nHead * P * P);
  for (let h = 0; h < model.nHead; h++)
    for (let p = 0; p < P; p++)
      for (let q = 0; q < P; q++) out[(h * P + q) * P + p] = pattern[(h * P + p) * P + q]!;
  return out;
}

import type { Gpt2LayerWeights, Gpt2Weights } from "../model/gpt2Weights.ts";

/** √(var + eps) of each row: the LayerNorm scale TransformerLens's hook_scale holds. */
export function rowScales(x: Float64Array, P: number, d: number, eps: number): Float64Array {
  const out = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[p * d + c]!;
    mean /= d;
    let v = 0;
    for (let c = 0; c < d; c++) v += (x[p * d + c]! - mean) ** 2;
    out[p] = Math.sqrt(v / d + eps);
  }
  return out;
}

/** [nHead, P, P] softmax(q·k/√dh) over keys q ≤ p, from ln1 of the residual stream. */
export function attentionPattern(
  lw: Gpt2LayerWeights,
  residPre: Float64Array,
  w: Gpt2Weights,
  P: number,
): Float64Array {
  const { dModel: d, nHead: H, dHead: DH, lnEps } = w.config;
  const scales = rowScales(residPre, P, d, lnEps);
  const qk = new Float64Array(P * 2 * d);
  for (let p = 0; p < P; p++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += residPre[p * d + c]!;
    mean /= d;
    for (let j = 0; j < 2 * d; j++) qk[p * 2 * d + j] = lw.bQkv[j]!;
    for (let c = 0; c < d; c++) {
      const n = ((residPre[p * d + c]! - mean) / scales[p]!) * lw.ln1W[c]! + lw.ln1B[c]!;
      for (let j = 0; j < 2 * d; j++) qk[p * 2 * d + j]! += n * lw.wQkv[c * 3 * d + j]!;
    }
  }
  const pattern = new Float64Array(H * P * P);
  for (let h = 0; h < H; h++) {
    for (let p = 0; p < P; p++) {
      const row = pattern.subarray((h * P + p) * P, (h * P + p + 1) * P);
      let max = -Infinity;
      for (let q = 0; q <= p; q++) {
        let dot = 0;
        for (let i = 0; i < DH; i++)
          dot += qk[p * 2 * d + h * DH + i]! * qk[q * 2 * d + d + h * DH + i]!;
        row[q] = dot / Math.sqrt(DH);
        max = Math.max(max, row[q]!);
      }
      let sum = 0;
      for (let q = 0; q <= p; q++) sum += row[q] = Math.exp(row[q]! - max);
      for (let q = 0; q <= p; q++) row[q]! /= sum;
    }
  }
  return pattern;
}

/** W_V [d, d]: the last d columns of W_QKV [d, 3d]. */
export function valueWeights(wQkv: Float32Array, d: number): Float32Array {
  const out = new Float32Array(d * d);
  for (let c = 0; c < d; c++) out.set(wQkv.subarray(c * 3 * d + 2 * d, c * 3 * d + 3 * d), c * d);
  return out;
}

import type { Gpt2Activation } from "./gpt2Config.ts";
import type { Gpt2Weights } from "./gpt2Weights.ts";
import { HOOK_SITES, hookName } from "./hooks.ts";

/** Float64 GPT-2 forward pass over one sequence: the reference the WGSL kernels are tested on. */
export interface ReferenceResult {
  /** Every hook's activations [T, d]. */
  hooks: Map<string, Float64Array>;
  /** [T, vocab] */
  logits: Float64Array;
}

/** Called at each hook; it may change the activations in place (splicing). */
export type ReferenceHook = (name: string, acts: Float64Array) => void;

export function referenceForward(
  w: Gpt2Weights,
  tokens: readonly number[],
  onHook?: ReferenceHook,
): ReferenceResult {
  const { dModel: d, nHead: H, dHead: DH, dMlp, vocabSize: V, lnEps } = w.config;
  const T = tokens.length;
  const hooks = new Map<string, Float64Array>();
  const hook = (name: string, a: Float64Array) => {
    onHook?.(name, a);
    hooks.set(name, Float64Array.from(a));
  };
  let resid: Float64Array = new Float64Array(T * d);
  tokens.forEach((t, p) => {
    for (let c = 0; c < d; c++) {
      resid[p * d + c] = (w.wte[t * d + c] as number) + (w.wpe[p * d + c] as number);
    }
  });
  w.layers.forEach((l, layer) => {
    const name = (site: (typeof HOOK_SITES)[number]) => hookName(layer, site);
    hook(name("hook_resid_pre"), resid);
    const qkv = linear(layerNorm(resid, l.ln1W, l.ln1B, T, d, lnEps), l.wQkv, l.bQkv, T, d, 3 * d);
    const z = new Float64Array(T * d);
    for (let h = 0; h < H; h++) {
      for (let q = 0; q < T; q++) {
        const scores = new Float64Array(q + 1);
        let max = -Infinity;
        for (let k = 0; k <= q; k++) {
          let dot = 0;
          for (let i = 0; i < DH; i++) {
            dot +=
              (qkv[q * 3 * d + h * DH + i] as number) * (qkv[k * 3 * d + d + h * DH + i] as number);
          }
          scores[k] = dot / Math.sqrt(DH);
          max = Math.max(max, scores[k] as number);
        }
        let sum = 0;
        for (let k = 0; k <= q; k++) sum += scores[k] = Math.exp((scores[k] as number) - max);
        for (let i = 0; i < DH; i++) {
          let acc = 0;
          for (let k = 0; k <= q; k++) {
            acc += ((scores[k] as number) / sum) * (qkv[k * 3 * d + 2 * d + h * DH + i] as number);
          }
          z[q * d + h * DH + i] = acc;
        }
      }
    }
    const attnOut = linear(z, l.wO, l.bO, T, d, d);
    hook(name("hook_attn_out"), attnOut);
    const mid = add(resid, attnOut);
    hook(name("hook_resid_mid"), mid);
    // TransformerLens >= 3: the hook sees LayerNorm's output before its gain and bias.
    const normalized = layerNorm(mid, ONES(d), new Float32Array(d), T, d, lnEps);
    hook(name("ln2.hook_normalized"), normalized);
    const mlpIn = normalized.map(
      (v, i) => v * (l.ln2W[i % d] as number) + (l.ln2B[i % d] as number),
    );
    const hidden = linear(mlpIn, l.wIn, l.bIn, T, d, dMlp).map(ACTIVATIONS[w.config.activation]);
    const mlpOut = linear(hidden, l.wOut, l.bOut, T, dMlp, d);
    hook(name("hook_mlp_out"), mlpOut);
    resid = add(mid, mlpOut);
    hook(name("hook_resid_post"), resid);
  });
  const logits = linear(layerNorm(resid, w.lnFW, w.lnFB, T, d, lnEps), w.wU, w.bU, T, d, V);
  return { hooks, logits };
}

const ONES = (d: number) => new Float32Array(d).fill(1);

export function geluNew(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
}

/** erf in float64: its Maclaurin series below 2.5, erfc's continued fraction above. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Each MLP activation as a float64 function. */
export const ACTIVATIONS: Record<Gpt2Activation, (v: number) => number> = {
  gelu_new: geluNew,
  gelu: (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
  relu: (v) => Math.max(0, v),
};

/** LayerNorm of each row of x [T, d]; without gain and bias: gain 1, bias 0. */
export function layerNorm(
  x: Float64Array,
  gain: Float32Array | undefined,
  bias: Float32Array | undefined,
  T: number,
  d: number,
  eps: number,
): Float64Array {
  const out = new Float64Array(T * d);
  for (let r = 0; r < T; r++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[r * d + c] as number;
    mean /= d;
    let v = 0;
    for (let c = 0; c < d; c++) v += ((x[r * d + c] as number) - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let c = 0; c < d; c++) {
      out[r * d + c] =
        ((x[r * d + c] as number) - mean) * inv * (gain ? (gain[c] as number) : 1) +
        (bias ? (bias[c] as number) : 0);
    }
  }
  return out;
}

/** x [rows, K] @ w [K, N] + b. */
export function linear(
  x: Float64Array,
  w: Float32Array,
  b: Float32Array,
  rows: number,
  K: number,
  N: number,
): Float64Array {
  const out = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    const o = out.subarray(r * N, (r + 1) * N);
    for (let n = 0; n < N; n++) o[n] = b[n] as number;
    for (let k = 0; k < K; k++) {
      const xv = x[r * K + k] as number;
      if (xv === 0) continue;
      for (let n = 0; n < N; n++) o[n] = (o[n] as number) + xv * (w[k * N + n] as number);
    }
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + (b[i] as number));
}

/** log_softmax of each row of [rows, V] logits. */
export function logSoftmaxRows(logits: Float64Array, V: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / V; r++) {
    const row = logits.subarray(r * V, (r + 1) * V);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - max);
    const lse = max + Math.log(s);
    for (let i = 0; i < V; i++) out[r * V + i] = (row[i] as number) - lse;
  }
  return out;
}

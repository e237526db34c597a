import type { Gpt2LayerWeights, Gpt2Weights } from "./gpt2Weights.ts";

/**
 * TransformerLens's default weight processing for GPT-2 (HookedTransformer.from_pretrained:
 * fold_ln, center_writing_weights, center_unembed, fold_value_biases), so that hook activations
 * match those published SAEs and transcoders were trained on. The model's outputs are unchanged
 * (logits up to a per-position constant). Sums run in float64. Returns new arrays.
 */
export function processWeights(w: Gpt2Weights): Gpt2Weights {
  if (w.processed) return w;
  const { dModel: d, dMlp, vocabSize: V } = w.config;
  const layers = w.layers.map((l): Gpt2LayerWeights => {
    // fold_ln: LayerNorm gain and bias move into the layer that reads the normalized stream,
    // whose weights are then centred over d_model (LayerNormPre's output has zero mean).
    const qkv = foldLayerNorm(l.wQkv, l.bQkv, l.ln1W, l.ln1B, d, 3 * d);
    const mlpIn = foldLayerNorm(l.wIn, l.bIn, l.ln2W, l.ln2B, d, dMlp);
    // center_writing_weights: whatever writes to the residual stream has zero mean over d_model.
    const wO = centreRows(l.wO, d, d);
    const wOut = centreRows(l.wOut, dMlp, d);
    const bV = qkv.b.subarray(2 * d, 3 * d);
    const bOFolded = foldValueBias(centre(l.bO), bV, wO, d);
    bV.fill(0);
    return {
      ln1W: ones(d),
      ln1B: new Float32Array(d),
      wQkv: qkv.w,
      bQkv: qkv.b,
      wO,
      bO: bOFolded,
      ln2W: ones(d),
      ln2B: new Float32Array(d),
      wIn: mlpIn.w,
      bIn: mlpIn.b,
      wOut,
      bOut: centre(l.bOut),
    };
  });
  const unembed = foldLayerNorm(w.wU, w.bU, w.lnFW, w.lnFB, d, V);
  return {
    config: w.config,
    processed: true,
    wte: centreRows(w.wte, V, d),
    wpe: centreRows(w.wpe, w.config.nCtx, d),
    layers,
    lnFW: ones(d),
    lnFB: new Float32Array(d),
    // center_unembed: softmax is unchanged by a constant added to every logit of a position.
    wU: centreRows(unembed.w, d, V),
    bU: centre(unembed.b),
    ln2Unprocessed: w.layers.map((l) => ({ gain: l.ln2W, bias: l.ln2B })),
  };
}

/**
 * Moves ln2's gain and bias into the MLP's input weights without centring, so that
 * ln2.hook_normalized can be LayerNorm's output before them, as TransformerLens >= 3 hooks it
 * (and as it is after processing), while the MLP computes exactly what it did.
 */
export function foldMlpInputAffine(l: Gpt2LayerWeights, d: number, dMlp: number): Gpt2LayerWeights {
  const mlpIn = foldLayerNorm(l.wIn, l.bIn, l.ln2W, l.ln2B, d, dMlp, false);
  return { ...l, wIn: mlpIn.w, bIn: mlpIn.b, ln2W: ones(d), ln2B: new Float32Array(d) };
}

/**
 * fold_value_biases: attention patterns sum to 1, so b_V contributes b_V @ W_O to every position;
 * it moves into b_O (the caller then zeroes b_V).
 */
export function foldValueBias(
  bO: Float32Array,
  bV: Float32Array,
  wO: Float32Array,
  d: number,
): Float32Array {
  const out = new Float32Array(d);
  for (let c = 0; c < d; c++) {
    let s = bO[c] as number;
    for (let r = 0; r < d; r++) s += (bV[r] as number) * (wO[r * d + c] as number);
    out[c] = s;
  }
  return out;
}

/**
 * For y = (n * g + beta) @ W + b with W [d, cols]: W' = g[:, None] * W, b' = b + beta @ W, so
 * that y = n @ W' + b'; with `centre`, W' is also centred over its rows, which leaves y unchanged
 * for any n with zero mean.
 */
export function foldLayerNorm(
  w: Float32Array,
  b: Float32Array,
  gain: Float32Array,
  beta: Float32Array,
  d: number,
  cols: number,
  centre = true,
): { w: Float32Array; b: Float32Array } {
  const bias = new Float64Array(b);
  const scaled = new Float32Array(d * cols);
  for (let r = 0; r < d; r++) {
    const g = gain[r] as number;
    const be = beta[r] as number;
    for (let c = 0; c < cols; c++) {
      const v = w[r * cols + c] as number;
      bias[c] = (bias[c] as number) + be * v;
      scaled[r * cols + c] = g * v;
    }
  }
  const mean = new Float64Array(cols);
  for (let r = 0; centre && r < d; r++) {
    for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) + (scaled[r * cols + c] as number);
  }
  for (let r = 0; centre && r < d; r++) {
    for (let c = 0; c < cols; c++) {
      scaled[r * cols + c] = (scaled[r * cols + c] as number) - (mean[c] as number) / d;
    }
  }
  return { w: scaled, b: Float32Array.from(bias) };
}

/** Each row of a [rows, cols] matrix minus its mean. */
export function centreRows(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = a.subarray(r * cols, (r + 1) * cols);
    let s = 0;
    for (let c = 0; c < cols; c++) s += row[c] as number;
    const mean = s / cols;
    for (let c = 0; c < cols; c++) out[r * cols + c] = (row[c] as number) - mean;
  }
  return out;
}

export function centre(v: Float32Array): Float32Array {
  return centreRows(v, 1, v.length);
}

export function ones(n: number): Float32Array {
  return new Float32Array(n).fill(1);
}

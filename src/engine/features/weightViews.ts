/**
 * Per-feature views of a dictionary's weights against the model's (no activations needed),
 * with the decoder norms folded in first as SAEDashboard folds them (dashboardFold.ts: unit
 * W_dec rows, W_enc columns times ‖W_dec[f]‖):
 * - logits_raw: W_dec[f] @ W_U with the model's W_U as loaded: after TransformerLens processing
 *   (the default) ln_final's gain is folded in and W_U is centred, as SAEDashboard shows it;
 * - logits_ln: ((W_dec[f] − mean(W_dec[f])) ⊙ γ_final) @ (W_U − its mean over the vocabulary):
 *   the direction as ln_final passes it on (its scale taken as constant), with the unembedding
 *   centred; on processed weights it equals logits_raw up to float error, with --no-processing
 *   they differ;
 * - deembedding (transcoders): LN(W_E[t]) @ W_enc[:, f], LN = (e − mean)/√(var + eps) with no
 *   gain or bias: what ln2.hook_normalized holds when the residual stream equals that token's
 *   embedding, i.e. the direct path from the token only (transcoder_circuits ranks the raw
 *   W_E[t] @ W_enc[:, f]; the per-token 1/σ can reorder tokens: a deliberate difference);
 * - neighbors: the 10 other features with the largest decoder cosine, over the whole
 *   dictionary.
 * All four run as one GPU kernel (gpuTopkProduct.ts).
 */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { foldForDashboards } from "./dashboardFold.ts";
import { PRODUCT_TOP, topkProduct, type IndexValue, type RowExtremes } from "./gpuTopkProduct.ts";

export interface WeightViews {
  logitsRaw: RowExtremes[];
  logitsLn: RowExtremes[];
  /** Transcoders only. */
  deembedding?: RowExtremes[];
  /** top: the nearest features by decoder cosine (bottom is unused). */
  neighbors: RowExtremes[];
}

/** B [d, V] for logits_ln: γ_k (W_U[k, j] − mean_j W_U[k, ·]), then centred over k. */
export function lnUnembedding(w: Gpt2Weights): Float32Array {
  const { dModel: d, vocabSize: V } = w.config;
  const c = new Float64Array(d * V);
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let j = 0; j < V; j++) mean += w.wU[k * V + j]!;
    mean /= V;
    for (let j = 0; j < V; j++) c[k * V + j] = w.lnFW[k]! * (w.wU[k * V + j]! - mean);
  }
  const out = new Float32Array(d * V);
  for (let j = 0; j < V; j++) {
    let mean = 0;
    for (let k = 0; k < d; k++) mean += c[k * V + j]!;
    mean /= d;
    for (let k = 0; k < d; k++) out[k * V + j] = c[k * V + j]! - mean;
  }
  return out;
}

/** [d, V]: every embedding row through LayerNorm without gain or bias, transposed. */
export function normalizedEmbeddingT(w: Gpt2Weights): Float32Array {
  const { dModel: d, vocabSize: V, lnEps } = w.config;
  const out = new Float32Array(d * V);
  for (let t = 0; t < V; t++) {
    let mean = 0;
    for (let k = 0; k < d; k++) mean += w.wte[t * d + k]!;
    mean /= d;
    let v = 0;
    for (let k = 0; k < d; k++) v += (w.wte[t * d + k]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + lnEps);
    for (let k = 0; k < d; k++) out[k * V + t] = (w.wte[t * d + k]! - mean) * inv;
  }
  return out;
}

/** Rows of m [rows, cols] scaled to unit norm (zero rows stay zero). */
export function unitRows(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += m[r * cols + c]! ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let c = 0; c < cols; c++) out[r * cols + c] = m[r * cols + c]! * inv;
  }
  return out;
}

export function transposeRows(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

export type TokenViews = Omit<WeightViews, "neighbors">;

/** m [rows, n] with only the columns `keep` (sorted ids into n), as [rows, keep.length]. */
export function gatherColumns(
  m: Float32Array,
  rows: number,
  n: number,
  keep: Uint32Array,
): Float32Array {
  const out = new Float32Array(rows * keep.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < keep.length; j++) out[r * keep.length + j] = m[r * n + keep[j]!]!;
  }
  return out;
}

/**
 * The views over the vocabulary (logits, de-embeddings). With `keep` (sorted token ids), each
 * view is ranked over those tokens and over the others apart, and `kept` holds the lists of the
 * kept tokens alone: e.g. the ones the corpus holds, so that tokens a model never saw in
 * training (whose unembeddings are all alike) can be left out. Both cost one pass over the
 * vocabulary: the lists over every token merge the two.
 */
export async function tokenViews(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: Gpt2Weights,
  spec: DictionarySpec,
  unfolded: DictionaryParams,
  options: {
    signal?: AbortSignal;
    onProgress?: (view: string) => void;
    keep?: Uint32Array;
  } = {},
): Promise<TokenViews & { kept?: TokenViews }> {
  const params = foldForDashboards(spec, unfolded).viewParams;
  const { dModel: d, vocabSize: V } = model.config;
  const { dSae, dIn } = spec;
  const keep = options.keep;
  const rest = keep && complement(keep, V);
  const over = async (a: Float32Array, b: Float32Array, ids?: Uint32Array) => {
    const cols = ids ? gatherColumns(b, d, V, ids) : b;
    const n = ids ? ids.length : V;
    const found = await topkProduct(
      device,
      shaders,
      a,
      cols,
      { rows: dSae, d, n },
      {
        signal: options.signal,
      },
    );
    if (!ids) return found;
    const back = (e: IndexValue) => ({ index: ids[e.index]!, value: e.value });
    return found.map((r) => ({ top: r.top.map(back), bottom: r.bottom.map(back) }));
  };
  const run = async (view: string, a: Float32Array, b: Float32Array) => {
    options.onProgress?.(view);
    if (!keep || !rest) return { all: await over(a, b) };
    const kept = await over(a, b, keep);
    const others = rest.length > 0 ? await over(a, b, rest) : kept.map(() => empty());
    return { all: kept.map((r, f) => mergeExtremes(r, others[f]!)), kept };
  };
  const raw = await run("logits_raw", params.wDec, model.wU);
  const ln = await run("logits_ln", params.wDec, lnUnembedding(model));
  const de =
    spec.kind === "transcoder"
      ? await run("deembedding", transposeRows(params.wEnc, dIn, dSae), normalizedEmbeddingT(model))
      : undefined;
  const kept =
    raw.kept && ln.kept
      ? { logitsRaw: raw.kept, logitsLn: ln.kept, deembedding: de?.kept }
      : undefined;
  return { logitsRaw: raw.all, logitsLn: ln.all, deembedding: de?.all, kept };
}

const empty = (): RowExtremes => ({ top: [], bottom: [] });

/** The ids in [0, n) that are not in `ids` (sorted). */
function complement(ids: Uint32Array, n: number): Uint32Array {
  const inIds = new Uint8Array(n);
  for (const t of ids) inIds[t] = 1;
  const out = new Uint32Array(n - ids.length);
  let i = 0;
  for (let t = 0; t < n; t++) if (!inIds[t]) out[i++] = t;
  return out;
}

/** The lists over two disjoint sets of columns, as one list over both (ties: lower id first). */
export function mergeExtremes(a: RowExtremes, b: RowExtremes): RowExtremes {
  const top = [...a.top, ...b.top].sort((x, y) => y.value - x.value || x.index - y.index);
  const bottom = [...a.bottom, ...b.bottom].sort((x, y) => x.value - y.value || x.index - y.index);
  return { top: top.slice(0, PRODUCT_TOP), bottom: bottom.slice(0, PRODUCT_TOP) };
}

export async function weightViews(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: Gpt2Weights,
  spec: DictionarySpec,
  unfolded: DictionaryParams,
  options: { signal?: AbortSignal; onProgress?: (view: string) => void; keep?: Uint32Array } = {},
): Promise<WeightViews & { kept?: TokenViews }> {
  const tokens = await tokenViews(device, shaders, model, spec, unfolded, options);
  const params = foldForDashboards(spec, unfolded).viewParams;
  const { dSae, dOut } = spec;
  options.onProgress?.("neighbors");
  const unit = unitRows(params.wDec, dSae, dOut);
  const neighbors = await topkProduct(
    device,
    shaders,
    unit,
    transposeRows(unit, dSae, dOut),
    { rows: dSae, d: dOut, n: dSae },
    { skipSelf: true, signal: options.signal },
  );
  return { ...tokens, neighbors };
}

/**
 * Input-invariant connections between per-layer transcoder features, as transcoder_circuits
 * computes them (feature_dashboards.py plot_pulledback_feature, get_deembeddings_for_transcoder_feature;
 * ../shared/reference/circuits.md §7): the connection from feature f1 of layer ℓ1 to feature f2
 * of a later layer ℓ2 is W_dec^(ℓ1)[f1] · W_enc^(ℓ2)[:, f2], the de-embedding of feature f is
 * W_E @ W_enc[:, f]. No activations, attention or LayerNorm scales: the direct path through
 * the residual stream, as if every LayerNorm between were the identity. Plain float64 loops
 * over the f32 weights; each list is the k largest and the k most negative values (ties:
 * lower index first; torch.topk leaves them unspecified).
 */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";

export interface TranscoderWeights {
  spec: Pick<DictionarySpec, "dIn" | "dSae" | "dOut">;
  params: Pick<DictionaryParams, "wEnc" | "wDec">;
}

/** Transcoders by layer; undefined where a layer has none. */
export type TranscoderStack = ReadonlyArray<TranscoderWeights | undefined>;

export interface IndexWeight {
  index: number;
  weight: number;
}

export interface Extremes {
  /** The k largest, largest first. */
  top: IndexWeight[];
  /** The k smallest (most negative), smallest first. */
  bottom: IndexWeight[];
}

export interface LayerConnections extends Extremes {
  /** The other feature's layer; `index` in top/bottom is its feature index. */
  layer: number;
}

export const DEFAULT_CONNECTIONS = 10;

/** For feature `feature` of `layer`: at every earlier layer with a transcoder, the features
 * f1 with the largest and most negative W_dec[f1] · W_enc[:, feature]. */
export function upstreamConnections(
  stack: TranscoderStack,
  layer: number,
  feature: number,
  k = DEFAULT_CONNECTIONS,
): LayerConnections[] {
  const target = checkedTranscoder(stack, layer, feature);
  const column = encoderColumn(target, feature);
  const out: LayerConnections[] = [];
  for (let l1 = 0; l1 < layer; l1++) {
    const source = stack[l1];
    if (source === undefined) continue;
    checkResidualWidths(source, l1, target, layer);
    out.push({ layer: l1, ...extremes(decoderTimes(source, column), k) });
  }
  return out;
}

/** For feature `feature` of `layer`: at every later layer with a transcoder, the features
 * f2 with the largest and most negative W_dec[feature] · W_enc[:, f2]. */
export function downstreamConnections(
  stack: TranscoderStack,
  layer: number,
  feature: number,
  k = DEFAULT_CONNECTIONS,
): LayerConnections[] {
  const source = checkedTranscoder(stack, layer, feature);
  const { dOut } = source.spec;
  const row = source.params.wDec.subarray(feature * dOut, (feature + 1) * dOut);
  const out: LayerConnections[] = [];
  for (let l2 = layer + 1; l2 < stack.length; l2++) {
    const target = stack[l2];
    if (target === undefined) continue;
    checkResidualWidths(source, layer, target, l2);
    out.push({ layer: l2, ...extremes(timesEncoder(row, target), k) });
  }
  return out;
}

/** W_E [dVocab, d] @ W_enc[:, feature]: the tokens whose embedding the feature reads most. */
export function deembedding(
  wE: Float32Array,
  dVocab: number,
  transcoder: TranscoderWeights,
  feature: number,
  k = DEFAULT_CONNECTIONS,
): Extremes {
  checkShapes(transcoder, "the transcoder");
  checkFeature(transcoder, feature, "the transcoder");
  const d = transcoder.spec.dIn;
  if (wE.length !== dVocab * d) {
    throw new Error(
      `de-embedding: W_E has ${wE.length} entries, expected d_vocab ${dVocab} × d_in ${d}`,
    );
  }
  const column = encoderColumn(transcoder, feature);
  const scores = new Float64Array(dVocab);
  for (let t = 0; t < dVocab; t++) scores[t] = dot(wE, t * d, column);
  return extremes(scores, k);
}

/** W_enc[:, f] as float64. */
function encoderColumn({ spec, params }: TranscoderWeights, f: number): Float64Array {
  const column = new Float64Array(spec.dIn);
  for (let i = 0; i < spec.dIn; i++) column[i] = params.wEnc[i * spec.dSae + f]!;
  return column;
}

/** W_dec @ v: [dSae]. */
function decoderTimes({ spec, params }: TranscoderWeights, v: Float64Array): Float64Array {
  const scores = new Float64Array(spec.dSae);
  for (let f = 0; f < spec.dSae; f++) scores[f] = dot(params.wDec, f * spec.dOut, v);
  return scores;
}

/** v @ W_enc: [dSae], accumulated row by row (W_enc is [dIn, dSae] row-major). */
function timesEncoder(v: Float32Array, { spec, params }: TranscoderWeights): Float64Array {
  const { dIn, dSae } = spec;
  const scores = new Float64Array(dSae);
  for (let i = 0; i < dIn; i++) {
    const x = v[i]!;
    if (x === 0) continue;
    const row = i * dSae;
    for (let f = 0; f < dSae; f++) scores[f]! += x * params.wEnc[row + f]!;
  }
  return scores;
}

function dot(a: Float32Array, offset: number, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += a[offset + i]! * v[i]!;
  return s;
}

/** The k largest and k smallest entries, ties to the lower index. */
export function extremes(scores: Float64Array, k: number): Extremes {
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`connections: k must be a positive integer, found ${k}`);
  return { top: selectBest(scores, k, 1), bottom: selectBest(scores, k, -1) };
}

/** The k entries with the largest sign·score, best first: one pass, a sorted list of k. */
function selectBest(scores: Float64Array, k: number, sign: 1 | -1): IndexWeight[] {
  const best: IndexWeight[] = [];
  for (let index = 0; index < scores.length; index++) {
    const key = sign * scores[index]!;
    if (best.length === k && key <= sign * best[k - 1]!.weight) continue;
    let at = best.length;
    while (at > 0 && key > sign * best[at - 1]!.weight) at--;
    best.splice(at, 0, { index, weight: scores[index]! });
    if (best.length > k) best.pop();
  }
  return best;
}

function checkedTranscoder(
  stack: TranscoderStack,
  layer: number,
  feature: number,
): TranscoderWeights {
  if (!Number.isInteger(layer) || layer < 0 || layer >= stack.length) {
    throw new Error(
      `connections: layer ${layer} is not one of the set's layers 0..${stack.length - 1}`,
    );
  }
  const transcoder = stack[layer];
  if (transcoder === undefined)
    throw new Error(`connections: layer ${layer} has no transcoder in the set`);
  const name = `layer ${layer}'s transcoder`;
  checkShapes(transcoder, name);
  checkFeature(transcoder, feature, name);
  return transcoder;
}

function checkFeature({ spec }: TranscoderWeights, feature: number, name: string) {
  if (!Number.isInteger(feature) || feature < 0 || feature >= spec.dSae) {
    throw new Error(
      `connections: feature ${feature} is out of range for ${name} (d_sae ${spec.dSae})`,
    );
  }
}

function checkShapes({ spec, params }: TranscoderWeights, name: string) {
  const { dIn, dSae, dOut } = spec;
  if (params.wEnc.length !== dIn * dSae) {
    throw new Error(
      `connections: ${name}'s W_enc has ${params.wEnc.length} entries, expected [d_in ${dIn}, d_sae ${dSae}]`,
    );
  }
  if (params.wDec.length !== dSae * dOut) {
    throw new Error(
      `connections: ${name}'s W_dec has ${params.wDec.length} entries, expected [d_sae ${dSae}, d_out ${dOut}]`,
    );
  }
}

function checkResidualWidths(
  source: TranscoderWeights,
  l1: number,
  target: TranscoderWeights,
  l2: number,
) {
  checkShapes(source, `layer ${l1}'s transcoder`);
  checkShapes(target, `layer ${l2}'s transcoder`);
  if (source.spec.dOut !== target.spec.dIn) {
    throw new Error(
      `connections: layer ${l1}'s transcoder writes d_out ${source.spec.dOut}, layer ${l2}'s reads d_in ${target.spec.dIn}`,
    );
  }
}

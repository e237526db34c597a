import { checkFrozenModel, checkSources, checkTargets } from "./attributionShapes.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";

/**
 * A[t, s] = r_tᵀ J v_s for every target row t and source s, [targets.count, sources.count]
 * row-major: one float64 backward pass per target through the frozen map (frozenModel.ts),
 * then a dot of each source vector with the gradient at its (slot, position).
 */
export function adjacencyRowsReference(
  model: FrozenModel,
  sources: AttributionSources,
  targets: AttributionTargets,
): Float64Array {
  checkFrozenModel(model);
  checkSources(model, sources);
  checkTargets(model, targets);
  const d = model.dModel;
  const S = sources.count;
  const out = new Float64Array(targets.count * S);
  for (let t = 0; t < targets.count; t++) {
    const row = targets.vectors.subarray(t * d, (t + 1) * d);
    const G = slotGradients(model, targets.layer[t]!, targets.pos[t]!, row);
    for (let s = 0; s < S; s++) {
      const g = G[sources.slot[s]!]!;
      const at = sources.pos[s]! * d;
      let sum = 0;
      for (let c = 0; c < d; c++) sum += sources.vectors[s * d + c]! * g[at + c]!;
      out[t * S + s] = sum;
    }
  }
  return out;
}

/**
 * The gradient [P, d] of one target row at every source slot: index ℓ < nLayer is
 * blocks.ℓ.hook_mlp_out, index nLayer is hook_embed.
 */
export function slotGradients(
  model: FrozenModel,
  targetLayer: number,
  targetPos: number,
  row: ArrayLike<number>,
): Float64Array[] {
  const { nLayer: L, dModel: d, positions: P } = model;
  let g: Float64Array = new Float64Array(P * d);
  if (targetLayer === L) {
    const atLast = new Float64Array(P * d);
    atLast.set(Array.from(row), (P - 1) * d);
    g = normBackward(atLast, model.lnFinalScale, d);
  }
  const G: Float64Array[] = new Array<Float64Array>(L + 1);
  for (let l = L - 1; l >= 0; l--) {
    const layer = model.layers[l]!;
    G[l] = g.slice();
    const gN2 = layer.wSkip ? matmulRows(g, layer.wSkip, d, false) : new Float64Array(P * d);
    if (targetLayer === l) for (let c = 0; c < d; c++) gN2[targetPos * d + c]! += row[c]!;
    const gMid = add(g, normBackward(gN2, layer.ln2Scale, d));
    const gZ = matmulRows(gMid, layer.wO, d, true);
    const gV = patternBackward(gZ, layer.pattern, model);
    const gN1 = matmulRows(gV, layer.wV, d, true);
    if (layer.ln1Gain) scaleColumns(gN1, layer.ln1Gain, d);
    g = add(gMid, normBackward(gN1, layer.ln1Scale, d));
  }
  G[L] = g;
  return G;
}

/** Backward of a LayerNorm with a frozen scale: (x − mean(x)) / s[p] at each position. */
export function normBackward(x: Float64Array, scale: Float64Array, d: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length / d; p++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[p * d + c]!;
    mean /= d;
    for (let c = 0; c < d; c++) out[p * d + c] = (x[p * d + c]! - mean) / scale[p]!;
  }
  return out;
}

/** out[p, j] = Σ_c x[p, c] W[c, j], or with `transposeW`, Σ_c x[p, c] W[j, c]. W is [d, d]. */
function matmulRows(
  x: Float64Array,
  w: ArrayLike<number>,
  d: number,
  transposeW: boolean,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length / d; p++)
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let c = 0; c < d; c++) sum += x[p * d + c]! * w[transposeW ? j * d + c : c * d + j]!;
      out[p * d + j] = sum;
    }
  return out;
}

/** g_v[q, j] = Σ_{p ≥ q} A[h(j), p, q] g_z[p, j]: the value gradient through frozen patterns. */
export function patternBackward(
  gZ: Float64Array,
  pattern: Float64Array,
  model: FrozenModel,
): Float64Array {
  const { dModel: d, dHead, positions: P } = model;
  const out = new Float64Array(P * d);
  for (let q = 0; q < P; q++)
    for (let j = 0; j < d; j++) {
      const h = Math.floor(j / dHead);
      let sum = 0;
      for (let p = q; p < P; p++) sum += pattern[(h * P + p) * P + q]! * gZ[p * d + j]!;
      out[q * d + j] = sum;
    }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]!);
}

function scaleColumns(x: Float64Array, gain: ArrayLike<number>, d: number): void {
  for (let i = 0; i < x.length; i++) x[i]! *= gain[i % d]!;
}

/**
 * The float64 reference of the GPU sampler (shaders/synthetic_*.wgsl): the same algorithm and
 * the same counter-based draws, so both give the same samples up to float error.
 *
 * Per sample (SAELens's ActivationGenerator.sample with a low-rank correlation):
 *   fire_i = ε·F_i + η_i·√d_i > t_i   (Gaussian copula; ε ~ N(0, I_rank), η ~ N(0, I_N)),
 *            or u_i < p_i without a correlation;
 *   raw_i  = fire_i ? relu(mean_i + std_i·n_i) : 0;
 * then the hierarchy (hierarchy/modifier.py), level by level from the roots:
 *   1. every feature at the level is gated by its parent's final value: times parent/mean_parent
 *      when the parent scales its children, else times [parent > 0];
 *   2. in each mutual-exclusion group whose parent sits at this level and is active, one of the
 *      active children wins uniformly (the largest mutual-exclusion draw) and the rest are zeroed.
 * Finally x = Σ a_i u_i + b and, for a transcoder, y = Σ a_i v_i + b_out.
 */
import { STREAM, drawBits, normalAt, rowKey, uniformAt } from "./counterRandom.ts";
import type { FeatureVectors, SyntheticModel } from "./syntheticModel.ts";
import type { SyntheticHierarchy } from "./syntheticHierarchy.ts";

export interface ReferenceSamples {
  batch: number;
  /** Activations before the hierarchy, [batch, N]. */
  raw: Float64Array;
  /** The true activations a, [batch, N]. */
  acts: Float64Array;
  /** [batch, hidden_dim]. */
  x: Float64Array;
  /** [batch, d_out] for the transcoder variant. */
  y: Float64Array | null;
}

/** Batch `step` of the stream keyed by `streamSeed` (default: the config's seed). */
export function sampleReference(
  model: SyntheticModel,
  batch: number,
  step: number,
  streamSeed = model.config.seed ?? 0,
): ReferenceSamples {
  const n = model.numFeatures;
  const raw = new Float64Array(batch * n);
  for (let b = 0; b < batch; b++) {
    rawRow(model, streamSeed, step, b, raw.subarray(b * n, (b + 1) * n));
  }
  const acts = raw.slice();
  if (model.hierarchy) {
    for (let b = 0; b < batch; b++) {
      const key = rowKey(streamSeed, step, STREAM.mutualExclusion, b);
      applyHierarchy(model, model.hierarchy, acts.subarray(b * n, (b + 1) * n), key);
    }
  }
  return {
    batch,
    raw,
    acts,
    x: decode(acts, batch, n, model.input),
    y: model.output ? decode(acts, batch, n, model.output) : null,
  };
}

function rawRow(model: SyntheticModel, seed: number, step: number, b: number, out: Float64Array) {
  const n = model.numFeatures;
  const corr = model.correlation;
  const magnitudeKey = rowKey(seed, step, STREAM.magnitude, b);
  let fires: (i: number) => boolean;
  if (corr) {
    const sharedKey = rowKey(seed, step, STREAM.copulaShared, b);
    const ownKey = rowKey(seed, step, STREAM.copulaOwn, b);
    const eps = Float64Array.from({ length: corr.rank }, (_, r) => normalAt(sharedKey, r));
    fires = (i) => {
      let z = normalAt(ownKey, i) * Math.sqrt(corr.diag[i]!);
      for (let r = 0; r < corr.rank; r++) z += eps[r]! * corr.factor[i * corr.rank + r]!;
      return z > model.thresholds[i]!;
    };
  } else {
    const key = rowKey(seed, step, STREAM.bernoulli, b);
    // The GPU holds p in float32; the uniform has 24 bits, exact in both.
    fires = (i) => uniformAt(key, i) < Math.fround(model.firingProbabilities[i]!);
  }
  for (let i = 0; i < n; i++) {
    if (!fires(i)) continue;
    const m = model.meanMagnitudes[i]! + model.stdMagnitudes[i]! * normalAt(magnitudeKey, i);
    out[i] = Math.max(0, m);
  }
}

/** The hierarchy modifier on one sample, in place. */
function applyHierarchy(
  model: SyntheticModel,
  h: SyntheticHierarchy,
  a: Float64Array,
  meKey: number,
): void {
  const levels = featuresByLevel(h);
  for (let level = 0; level <= h.maxDepth; level++) {
    for (const f of levels[level]!) {
      const p = h.parent[f]!;
      if (p < 0) continue;
      const parentValue = a[p]!;
      if (h.scaledByParent[f]) {
        a[f]! *= parentValue > 0 ? parentValue / model.meanMagnitudes[p]! : 0;
      } else if (!(parentValue > 0)) {
        a[f] = 0;
      }
    }
    for (const g of h.meGroups) {
      const parentLevel = g.parent >= 0 ? h.depth[g.parent]! : h.depth[g.children[0]!]! - 1;
      if (parentLevel !== level || (g.parent >= 0 && !(a[g.parent]! > 0))) continue;
      let winner = -1;
      let best = -1;
      for (const c of g.children) {
        if (!(a[c]! > 0)) continue;
        const draw = drawBits(meKey, c, 0);
        if (draw > best) [winner, best] = [c, draw];
      }
      for (const c of g.children) if (c !== winner) a[c] = 0;
    }
  }
}

const levelCache = new WeakMap<SyntheticHierarchy, number[][]>();

function featuresByLevel(h: SyntheticHierarchy): number[][] {
  let levels = levelCache.get(h);
  if (!levels) {
    levels = Array.from({ length: h.maxDepth + 1 }, () => []);
    h.depth.forEach((d, f) => {
      if (d >= 0) levels![d]!.push(f);
    });
    levelCache.set(h, levels);
  }
  return levels;
}

function decode(acts: Float64Array, batch: number, n: number, fv: FeatureVectors): Float64Array {
  const out = new Float64Array(batch * fv.dim);
  for (let b = 0; b < batch; b++) {
    const row = out.subarray(b * fv.dim, (b + 1) * fv.dim);
    for (let k = 0; k < fv.dim; k++) row[k] = fv.bias[k]!;
    for (let i = 0; i < n; i++) {
      const ai = acts[b * n + i]!;
      if (ai === 0) continue;
      for (let k = 0; k < fv.dim; k++) row[k]! += ai * fv.vectors[i * fv.dim + k]!;
    }
  }
  return out;
}

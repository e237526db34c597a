import { describe, expect, it } from "vitest";
import { normalUpperTail } from "./normalQuantile.ts";
import { sampleReference, type ReferenceSamples } from "./sampleReference.ts";
import type { SyntheticModelConfig } from "./syntheticConfig.ts";
import { buildSyntheticModel, type SyntheticModel } from "./syntheticModel.ts";
import { syntheticPreset } from "./syntheticPresets.ts";

const SAMPLES = 4096;

/** Samples of `model` drawn as 4 batches. */
function draw(model: SyntheticModel, samples = SAMPLES): ReferenceSamples {
  const parts = [0, 1, 2, 3].map((step) => sampleReference(model, samples / 4, step));
  const cat = (pick: (s: ReferenceSamples) => Float64Array) => {
    const out = new Float64Array(parts.reduce((s, p) => s + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  return {
    batch: samples,
    raw: cat((s) => s.raw),
    acts: cat((s) => s.acts),
    x: cat((s) => s.x),
    y: null,
  };
}

/** z-scores of each feature's count of raw > 0 against p_i·P(mean_i + std_i·n > 0). */
function rawFiringZ(model: SyntheticModel, s: ReferenceSamples): number[] {
  const n = model.numFeatures;
  const z: number[] = [];
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let b = 0; b < s.batch; b++) if (s.raw[b * n + i]! > 0) count++;
    const std = model.stdMagnitudes[i]!;
    const positive = std > 0 ? 1 - normalUpperTail(model.meanMagnitudes[i]! / std) : 1;
    const q = model.firingProbabilities[i]! * positive;
    const variance = s.batch * q * (1 - q);
    if (variance < 1) expect(Math.abs(count - s.batch * q), `feature ${i}`).toBeLessThan(3);
    else z.push((count - s.batch * q) / Math.sqrt(variance));
  }
  return z;
}

describe("reference sampler statistics (tiny preset, 4,096 samples)", () => {
  const model = buildSyntheticModel(syntheticPreset("tiny"));
  const s = draw(model);
  const n = model.numFeatures;
  const h = model.hierarchy!;
  const active = (b: number, f: number) => s.acts[b * n + f]! > 0;

  it("fires each feature at its configured probability, within binomial error", () => {
    const z = rawFiringZ(model, s);
    expect(z.length).toBeGreaterThan(300);
    expect(Math.max(...z.map(Math.abs))).toBeLessThan(5);
    const meanSquare = z.reduce((a, v) => a + v * v, 0) / z.length;
    expect(meanSquare).toBeGreaterThan(0.75);
    expect(meanSquare).toBeLessThan(1.3);
  });

  it("never fires a child without its parent", () => {
    let children = 0;
    const orphans: string[] = [];
    for (let b = 0; b < s.batch; b++) {
      for (let f = 0; f < n; f++) {
        const p = h.parent[f]!;
        if (p < 0 || !active(b, f)) continue;
        children++;
        if (!active(b, p)) orphans.push(`sample ${b}: feature ${f} without parent ${p}`);
      }
    }
    expect(orphans).toEqual([]);
    expect(children).toBeGreaterThan(s.batch);
  });

  it("never fires two mutually exclusive siblings, though their raw draws often collide", () => {
    let conflicts = 0;
    const violations: string[] = [];
    for (let b = 0; b < s.batch; b++) {
      for (const g of h.meGroups) {
        let on = 0;
        let rawOn = 0;
        for (const c of g.children) {
          on += +active(b, c);
          rawOn += +(s.raw[b * n + c]! > 0);
        }
        if (on > 1) violations.push(`sample ${b}: ${on} children of ${g.parent}`);
        if (active(b, g.parent) && rawOn > 1) conflicts++;
      }
    }
    expect(violations).toEqual([]);
    expect(conflicts).toBeGreaterThan(s.batch / 4);
  });

  it("scales children by parent / mean_parent and leaves features outside the trees alone", () => {
    let scaled = 0;
    let worst = 0;
    let outsideChanged = 0;
    for (let b = 0; b < s.batch; b++) {
      for (let f = 0; f < n; f++) {
        const p = h.parent[f]!;
        const a = s.acts[b * n + f]!;
        if (p < 0) {
          if (h.depth[f] === -1 && a !== s.raw[b * n + f]) outsideChanged++;
          continue;
        }
        if (a === 0) continue;
        const want = (s.raw[b * n + f]! * s.acts[b * n + p]!) / model.meanMagnitudes[p]!;
        worst = Math.max(worst, Math.abs(a - want));
        scaled++;
      }
    }
    expect(outsideChanged).toBe(0);
    expect(worst).toBeLessThan(1e-12);
    expect(scaled).toBeGreaterThan(s.batch);
  });

  it("decodes x = Σ a_i u_i + b", () => {
    const d = model.hiddenDim;
    let worst = 0;
    for (const b of [0, 1234, 4095]) {
      for (let k = 0; k < d; k++) {
        let want = model.input.bias[k]!;
        for (let f = 0; f < n; f++) want += s.acts[b * n + f]! * model.input.vectors[f * d + k]!;
        worst = Math.max(worst, Math.abs(s.x[b * d + k]! - want));
      }
    }
    expect(worst).toBeLessThan(1e-10);
  });
});

describe("reference sampler correlations", () => {
  it("fires pairs together as the Gaussian copula of F·Fᵀ + diag(d) predicts", () => {
    // p = 1/2 puts every threshold at 0, where Sheppard's formula gives the binary correlation
    // of two features exactly: φ_ij = (2/π)·arcsin(ρ_ij) with ρ_ij = F_i·F_j.
    const config: SyntheticModelConfig = {
      ...syntheticPreset("tiny"),
      num_features: 16,
      hidden_dim: 8,
      firing_probability: { generator_name: "constant", probability: 0.5 },
      hierarchy: null,
      orthogonalization: null,
      correlation: { rank: 3, correlation_scale: 0.4, seed: null },
      std_firing_magnitudes: 0,
      mean_firing_magnitudes: 1,
    };
    const model = buildSyntheticModel(config);
    const s = draw(model, 8000);
    const { factor, rank } = model.correlation!;
    const n = 16;
    const predicted: number[] = [];
    const measured: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let rho = 0;
        for (let r = 0; r < rank; r++) rho += factor[i * rank + r]! * factor[j * rank + r]!;
        predicted.push((2 / Math.PI) * Math.asin(rho));
        let both = 0;
        let fi = 0;
        let fj = 0;
        for (let b = 0; b < s.batch; b++) {
          const ai = s.acts[b * n + i]! > 0;
          const aj = s.acts[b * n + j]! > 0;
          fi += +ai;
          fj += +aj;
          both += +(ai && aj);
        }
        const [pi, pj, pij] = [fi / s.batch, fj / s.batch, both / s.batch];
        measured.push((pij - pi * pj) / Math.sqrt(pi * (1 - pi) * pj * (1 - pj)));
      }
    }
    const sigma = 1 / Math.sqrt(s.batch);
    const worst = Math.max(...predicted.map((p, k) => Math.abs(p - measured[k]!)));
    expect(worst).toBeLessThan(5 * sigma);
    expect(Math.max(...predicted.map(Math.abs))).toBeGreaterThan(0.3);
    expect(pearson(predicted, measured)).toBeGreaterThan(0.95);
  });
});

function pearson(a: number[], b: number[]): number {
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let k = 0; k < a.length; k++) {
    sab += (a[k]! - ma) * (b[k]! - mb);
    saa += (a[k]! - ma) ** 2;
    sbb += (b[k]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

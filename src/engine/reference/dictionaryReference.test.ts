import { describe, expect, it } from "vitest";
import { initDictionary, seededRandom } from "../dictionary/init.ts";
import {
  adamUpdate,
  clipGradNorm,
  forward,
  globalNorm,
  gradients,
  PARAM_NAMES,
  trainStep,
  zerosLike,
  type RefAdamState,
  type RefParams,
  type RefShape,
} from "./dictionaryReference.ts";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function uniform(n: number, rand: () => number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

interface Problem {
  shape: RefShape;
  params: RefParams;
  x: Float64Array;
  y: Float64Array;
  batch: number;
  seed: number;
}

function drawProblem(shape: RefShape, batch: number, seed: number): Problem {
  const rand = seededRandom(seed);
  const { dIn, dSae, dOut } = shape;
  const params: RefParams = {
    wEnc: uniform(dIn * dSae, rand, -1, 1),
    bEnc: uniform(dSae, rand, -0.3, 0.3),
    wDec: uniform(dSae * dOut, rand, -1, 1),
    bDec: uniform(dOut, rand, -0.5, 0.5),
  };
  const x = uniform(batch * dIn, rand, -1, 1);
  const y = shape.kind === "sae" ? x : uniform(batch * dOut, rand, -1, 1);
  return { shape, params, x, y, batch, seed };
}

const KINK_MARGIN = 1e-3;

function minAbsPre(p: Problem, l1: number): number {
  const fw = forward(p.shape, p.params, p.x, p.y, p.batch, l1);
  let m = Infinity;
  for (const v of fw.pre) m = Math.min(m, Math.abs(v));
  return m;
}

function activeFraction(p: Problem, l1: number): number {
  const fw = forward(p.shape, p.params, p.x, p.y, p.batch, l1);
  let on = 0;
  for (const v of fw.f) if (v > 0) on++;
  return on / fw.f.length;
}

/**
 * First seed from `seed0` on whose test point no pre-activation is within KINK_MARGIN of the
 * ReLU kink and both ReLU branches are well represented.
 */
function drawSmoothProblem(shape: RefShape, batch: number, seed0: number, l1: number): Problem {
  for (let seed = seed0; seed < seed0 + 100; seed++) {
    const p = drawProblem(shape, batch, seed);
    const frac = activeFraction(p, l1);
    if (minAbsPre(p, l1) >= KINK_MARGIN && frac >= 0.25 && frac <= 0.75) return p;
  }
  throw new Error("no kink-free test point found");
}

/** Central finite differences of forward().loss with respect to every parameter entry. */
function numericGradients(p: Problem, l1: number, h: number): RefParams {
  const out = zerosLike(p.params);
  for (const name of PARAM_NAMES) {
    const w = p.params[name];
    const g = out[name];
    for (let e = 0; e < w.length; e++) {
      const orig = w[e]!;
      w[e] = orig + h;
      const lp = forward(p.shape, p.params, p.x, p.y, p.batch, l1).loss;
      w[e] = orig - h;
      const lm = forward(p.shape, p.params, p.x, p.y, p.batch, l1).loss;
      w[e] = orig;
      g[e] = (lp - lm) / (2 * h);
    }
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max_e |a[e] - b[e]| / max_e |b[e]|. */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let err = 0;
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / maxAbs(b);
}

// ---------------------------------------------------------------------------------------------
// Gradients against central finite differences
// ---------------------------------------------------------------------------------------------

describe("gradients() against central finite differences of forward().loss", () => {
  const B = 7;
  const L1 = 0.7;
  const H = 1e-6;
  // Every entry of every tensor: max |analytic - numeric| <= TOL * max |numeric| (per tensor).
  // Float64 central differences with h = 1e-6 are good to ~1e-9 relative here (truncation
  // ~h^2, round-off ~1e-16 * loss / h), so 1e-6 leaves margin while any missing term fails.
  const TOL = 1e-6;

  const cases: { name: string; shape: RefShape; seed: number }[] = [
    {
      name: "SAE, apply_b_dec_to_input = true",
      shape: { kind: "sae", dIn: 5, dSae: 11, dOut: 5, applyBDecToInput: true },
      seed: 1001,
    },
    {
      name: "SAE, apply_b_dec_to_input = false",
      shape: { kind: "sae", dIn: 5, dSae: 11, dOut: 5, applyBDecToInput: false },
      seed: 2002,
    },
    {
      name: "transcoder, d_in = 5 != d_out = 3",
      shape: { kind: "transcoder", dIn: 5, dSae: 11, dOut: 3, applyBDecToInput: false },
      seed: 3003,
    },
  ];

  for (const c of cases) {
    describe(c.name, () => {
      const p = drawSmoothProblem(c.shape, B, c.seed, L1);
      const analytic = gradients(p.shape, p.params, p.x, p.y, p.batch, L1);
      const numeric = numericGradients(p, L1, H);

      it("test point is away from ReLU kinks and exercises both branches", () => {
        expect(minAbsPre(p, L1)).toBeGreaterThanOrEqual(KINK_MARGIN);
        const frac = activeFraction(p, L1);
        expect(frac).toBeGreaterThanOrEqual(0.25);
        expect(frac).toBeLessThanOrEqual(0.75);
        // Many latents fire on some rows and are silent on others (both branches within one
        // latent's gradient sums), and the L1 term is a real part of the loss.
        const fw = forward(p.shape, p.params, p.x, p.y, p.batch, L1);
        const F = p.shape.dSae;
        let mixed = 0;
        for (let i = 0; i < F; i++) {
          let on = 0;
          for (let b = 0; b < p.batch; b++) if (fw.f[b * F + i]! > 0) on++;
          if (on > 0 && on < p.batch) mixed++;
        }
        expect(mixed).toBeGreaterThanOrEqual(6);
        expect(fw.l1Loss).toBeGreaterThan(0.05 * fw.mseLoss);
        expect(fw.l0).toBeGreaterThan(0);
      });

      for (const name of PARAM_NAMES) {
        it(`${name}: every entry matches within ${TOL} of the gradient's scale`, () => {
          expect(analytic[name].length).toBe(p.params[name].length);
          // The gradient is not trivially zero.
          expect(maxAbs(numeric[name])).toBeGreaterThan(1e-3);
          expect(scaledError(analytic[name], numeric[name])).toBeLessThan(TOL);
        });
      }

      it("the check is sensitive: dropping the L1 term breaks W_enc, b_enc and W_dec", () => {
        const noL1 = gradients(p.shape, p.params, p.x, p.y, p.batch, 0);
        for (const name of ["wEnc", "bEnc", "wDec"] as const) {
          expect(scaledError(noL1[name], numeric[name])).toBeGreaterThan(1e-3);
        }
      });
    });
  }

  it("the b_dec input shift contributes to db_dec (SAE with apply_b_dec_to_input)", () => {
    const shape: RefShape = { kind: "sae", dIn: 5, dSae: 11, dOut: 5, applyBDecToInput: true };
    const p = drawSmoothProblem(shape, B, 1001, L1);
    const numeric = numericGradients(p, L1, H);
    const unshifted = gradients(
      { ...shape, applyBDecToInput: false },
      p.params,
      p.x,
      p.y,
      p.batch,
      L1,
    );
    expect(scaledError(unshifted.bDec, numeric.bDec)).toBeGreaterThan(1e-2);
  });

  it("a transcoder never shifts its input, even if applyBDecToInput is set", () => {
    const shape: RefShape = {
      kind: "transcoder",
      dIn: 5,
      dSae: 11,
      dOut: 3,
      applyBDecToInput: true,
    };
    const p = drawSmoothProblem(shape, B, 3003, L1);
    const fw = forward(p.shape, p.params, p.x, p.y, p.batch, L1);
    expect(Array.from(fw.xPrime)).toEqual(Array.from(p.x));
    const analytic = gradients(p.shape, p.params, p.x, p.y, p.batch, L1);
    const numeric = numericGradients(p, L1, H);
    for (const name of PARAM_NAMES) {
      expect(scaledError(analytic[name], numeric[name])).toBeLessThan(TOL);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// forward() metrics on a hand-computed example
// ---------------------------------------------------------------------------------------------

describe("forward() on a hand-computed example (d_in = d_out = d_sae = 2, B = 2)", () => {
  // W_enc [d_in, d_sae] = [[1, -1], [2, 0.5]]      b_enc = [0.5, 1]
  // W_dec [d_sae, d_out] = [[3, 4], [0, 2]]        b_dec = [1, 0]
  // decoder norms = [5, 2];  l1_coefficient = 0.5
  const params = (): RefParams => ({
    wEnc: Float64Array.from([1, -1, 2, 0.5]),
    bEnc: Float64Array.from([0.5, 1]),
    wDec: Float64Array.from([3, 4, 0, 2]),
    bDec: Float64Array.from([1, 0]),
  });
  const x = [2, 1, 0, -1]; // rows [2, 1] and [0, -1]
  const L1 = 0.5;

  it("SAE with apply_b_dec_to_input = true", () => {
    // row 0: x' = [2,1]-[1,0] = [1,1]
    //        pre = [1*1 + 1*2 + 0.5, 1*(-1) + 1*0.5 + 1] = [3.5, 0.5]   f = [3.5, 0.5]
    //        y^ = 3.5*[3,4] + 0.5*[0,2] + [1,0] = [11.5, 15]
    //        err = [9.5, 14]  sq = 90.25 + 196 = 286.25   l1 row = 3.5*5 + 0.5*2 = 18.5  (2 on)
    // row 1: x' = [0,-1]-[1,0] = [-1,-1]
    //        pre = [-1 - 2 + 0.5, 1 - 0.5 + 1] = [-2.5, 1.5]            f = [0, 1.5]
    //        y^ = 1.5*[0,2] + [1,0] = [1, 3]
    //        err = [1, 4]     sq = 17                       l1 row = 1.5*2 = 3            (1 on)
    // mse = (286.25 + 17)/2 = 151.625     l1 = 0.5 * (18.5 + 3)/2 = 5.375     loss = 157
    // l0 = (2 + 1)/2 = 1.5
    // y mean over batch = [1, 0]; sum_d (y - mean)^2 per row = 2, 2 -> mean_b = 2
    // explained_variance = 1 - 151.625 / 2 = -74.8125
    const s: RefShape = { kind: "sae", dIn: 2, dSae: 2, dOut: 2, applyBDecToInput: true };
    const fw = forward(s, params(), x, x, 2, L1);
    expect(Array.from(fw.xPrime)).toEqual([1, 1, -1, -1]);
    expect(Array.from(fw.pre)).toEqual([3.5, 0.5, -2.5, 1.5]);
    expect(Array.from(fw.f)).toEqual([3.5, 0.5, 0, 1.5]);
    expect(Array.from(fw.yHat)).toEqual([11.5, 15, 1, 3]);
    expect(Array.from(fw.decoderNorms)).toEqual([5, 2]);
    expect(fw.mseLoss).toBeCloseTo(151.625, 12);
    expect(fw.l1Loss).toBeCloseTo(5.375, 12);
    expect(fw.loss).toBeCloseTo(157, 12);
    expect(fw.l0).toBe(1.5);
    expect(fw.explainedVariance).toBeCloseTo(-74.8125, 12);
  });

  it("SAE with apply_b_dec_to_input = false", () => {
    // row 0: x' = [2,1]; pre = [2 + 2 + 0.5, -2 + 0.5 + 1] = [4.5, -0.5]   f = [4.5, 0]
    //        y^ = 4.5*[3,4] + [1,0] = [14.5, 18]; err = [12.5, 17]; sq = 445.25; l1 row = 22.5
    // row 1: x' = [0,-1]; pre = [-2 + 0.5, -0.5 + 1] = [-1.5, 0.5]         f = [0, 0.5]
    //        y^ = 0.5*[0,2] + [1,0] = [1, 1]; err = [1, 2]; sq = 5; l1 row = 1
    // mse = 450.25/2 = 225.125   l1 = 0.5 * 23.5/2 = 5.875   loss = 231   l0 = 1
    // explained_variance = 1 - 225.125/2 = -111.5625
    const s: RefShape = { kind: "sae", dIn: 2, dSae: 2, dOut: 2, applyBDecToInput: false };
    const fw = forward(s, params(), x, x, 2, L1);
    expect(Array.from(fw.pre)).toEqual([4.5, -0.5, -1.5, 0.5]);
    expect(Array.from(fw.f)).toEqual([4.5, 0, 0, 0.5]);
    expect(Array.from(fw.yHat)).toEqual([14.5, 18, 1, 1]);
    expect(fw.mseLoss).toBeCloseTo(225.125, 12);
    expect(fw.l1Loss).toBeCloseTo(5.875, 12);
    expect(fw.loss).toBeCloseTo(231, 12);
    expect(fw.l0).toBe(1);
    expect(fw.explainedVariance).toBeCloseTo(-111.5625, 12);
  });

  it("transcoder: target y differs from x; explained variance uses y", () => {
    // Same forward as the unshifted SAE: y^ = [[14.5, 18], [1, 1]]
    // y = [[14, 18], [2, 1]]: err = [0.5, 0], [-1, 0]; sse = 1.25; mse = 0.625
    // mean_b y = [8, 9.5]; deviations [[6, 8.5], [-6, -8.5]]; sum sq = 216.5 -> mean_b = 108.25
    // explained_variance = 1 - 0.625 / 108.25
    const s: RefShape = { kind: "transcoder", dIn: 2, dSae: 2, dOut: 2, applyBDecToInput: false };
    const y = [14, 18, 2, 1];
    const fw = forward(s, params(), x, y, 2, L1);
    expect(Array.from(fw.yHat)).toEqual([14.5, 18, 1, 1]);
    expect(fw.mseLoss).toBeCloseTo(0.625, 12);
    expect(fw.l1Loss).toBeCloseTo(5.875, 12);
    expect(fw.l0).toBe(1);
    expect(fw.explainedVariance).toBeCloseTo(1 - 0.625 / 108.25, 12);
    expect(fw.explainedVariance).toBeCloseTo(0.994226327944573, 12);
  });
});

// ---------------------------------------------------------------------------------------------
// clipGradNorm
// ---------------------------------------------------------------------------------------------

function grads(wEnc: number[], bEnc: number[], wDec: number[], bDec: number[]): RefParams {
  return {
    wEnc: Float64Array.from(wEnc),
    bEnc: Float64Array.from(bEnc),
    wDec: Float64Array.from(wDec),
    bDec: Float64Array.from(bDec),
  };
}

describe("clipGradNorm (torch.nn.utils.clip_grad_norm_ semantics)", () => {
  it("clips the global norm over all tensors together and returns the norm before clipping", () => {
    // global norm = sqrt(3^2 + 4^2 + 12^2) = 13 (per-tensor norms would be 3, 0, 4, 12)
    const g = grads([3, 0], [0], [4], [0, 12]);
    const norm = clipGradNorm(g, 1);
    expect(norm).toBe(13);
    const coef = 1 / (13 + 1e-6);
    expect(g.wEnc[0]).toBeCloseTo(3 * coef, 15);
    expect(g.wEnc[1]).toBe(0);
    expect(g.wDec[0]).toBeCloseTo(4 * coef, 15);
    expect(g.bDec[1]).toBeCloseTo(12 * coef, 15);
    // The clipped norm is max_norm / (norm + 1e-6) * norm, just under 1.
    expect(globalNorm(g)).toBeCloseTo(13 / (13 + 1e-6), 14);
    expect(globalNorm(g)).toBeLessThan(1);
  });

  it("honours max_norm other than 1", () => {
    const g = grads([6], [8], [], []);
    expect(clipGradNorm(g, 5)).toBe(10);
    expect(g.wEnc[0]).toBeCloseTo((6 * 5) / (10 + 1e-6), 14);
    expect(g.bEnc[0]).toBeCloseTo((8 * 5) / (10 + 1e-6), 14);
  });

  it("leaves gradients untouched when the norm is below max_norm", () => {
    const g = grads([0.3], [], [0.4], []);
    const norm = clipGradNorm(g, 1);
    expect(norm).toBeCloseTo(0.5, 15);
    expect(g.wEnc[0]).toBe(0.3);
    expect(g.wDec[0]).toBe(0.4);
  });

  it("scales by 1/(1 + 1e-6) at exactly norm 1, as torch does", () => {
    const g = grads([0.6], [0.8], [], []);
    const norm = clipGradNorm(g, 1);
    expect(norm).toBeCloseTo(1, 15);
    expect(g.wEnc[0]).toBeCloseTo(0.6 / (norm + 1e-6), 15);
    expect(g.wEnc[0]).toBeLessThan(0.6);
  });

  it("zero gradients stay zero (no division by zero)", () => {
    const g = grads([0, 0], [0], [0], [0]);
    expect(clipGradNorm(g, 1)).toBe(0);
    for (const name of PARAM_NAMES) for (const v of g[name]) expect(v).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// adamUpdate
// ---------------------------------------------------------------------------------------------

describe("adamUpdate (torch.optim.Adam: betas 0.9/0.999, eps 1e-8, no weight decay)", () => {
  const LR = 1e-3;

  function setup() {
    // One entry per tensor so every tensor is updated: wEnc g = 0.5 then -0.25,
    // bEnc g = -2 then -2, wDec g = 0 then 0 (parameter 0.7 must not move: no weight decay),
    // bDec g = 1e-3 then 0.
    const p = grads([1], [-1], [0.7], [0.2]);
    const state: RefAdamState = { step: 0, m: zerosLike(p), v: zerosLike(p) };
    return { p, state };
  }

  it("first step is lr * g / (|g| + eps) ~ lr * sign(g)", () => {
    const { p, state } = setup();
    adamUpdate(p, grads([0.5], [-2], [0], [1e-3]), state, LR);
    expect(state.step).toBe(1);
    // m1 = 0.1 g, v1 = 0.001 g^2; bias corrections 0.1 and 0.001 give m^ = g, v^ = g^2.
    expect(state.m.wEnc[0]).toBeCloseTo(0.05, 15);
    expect(state.v.wEnc[0]).toBeCloseTo(0.00025, 15);
    expect(p.wEnc[0]).toBeCloseTo(1 - (LR * 0.5) / (0.5 + 1e-8), 15);
    expect(p.wEnc[0]).toBeCloseTo(1 - 0.00099999998, 15);
    expect(p.bEnc[0]).toBeCloseTo(-1 + (LR * 2) / (2 + 1e-8), 15);
    expect(p.wDec[0]).toBe(0.7);
    // Small gradients move the parameter by ~lr too: 1e-3 / (1e-3 + 1e-8) = 0.99999
    expect(p.bDec[0]).toBeCloseTo(0.2 - LR * (1e-3 / (1e-3 + 1e-8)), 15);
    expect(0.2 - p.bDec[0]!).toBeCloseTo(0.00099999, 12);
  });

  it("second step matches PyTorch's formula worked by hand", () => {
    const { p, state } = setup();
    adamUpdate(p, grads([0.5], [-2], [0], [1e-3]), state, LR);
    const wEnc1 = p.wEnc[0]!;
    const bEnc1 = p.bEnc[0]!;
    const bDec1 = p.bDec[0]!;
    adamUpdate(p, grads([-0.25], [-2], [0], [0]), state, LR);
    expect(state.step).toBe(2);
    // wEnc: m2 = 0.9*0.05 + 0.1*(-0.25) = 0.02
    //       v2 = 0.999*0.00025 + 0.001*0.0625 = 0.00031225
    //       bc1 = 1 - 0.81 = 0.19, bc2 = 1 - 0.998001 = 0.001999
    //       m^ = 0.02/0.19 = 0.105263157894737, v^ = 0.00031225/0.001999 = 0.156203101550776
    //       sqrt(v^) = 0.395225380701667
    //       step = 1e-3 * 0.105263157894737 / (0.395225380701667 + 1e-8) = 2.66337033e-4
    expect(state.m.wEnc[0]).toBeCloseTo(0.02, 15);
    expect(state.v.wEnc[0]).toBeCloseTo(0.00031225, 15);
    expect(wEnc1 - p.wEnc[0]!).toBeCloseTo(0.0002663370329215363, 14);
    // bEnc: constant gradient -2 gives m^ = -2, v^ = 4 -> step = lr * 2 / (2 + 1e-8) again.
    expect(p.bEnc[0]! - bEnc1).toBeCloseTo((LR * 2) / (2 + 1e-8), 15);
    // wDec: zero gradient, zero moments: parameter unchanged (no weight decay).
    expect(p.wDec[0]).toBe(0.7);
    // bDec: g = 1e-3 then 0: m2 = 9e-5, v2 = 0.999e-9;
    //       m^ = 9e-5/0.19 = 4.73684210526e-4, v^ = 0.999e-9/0.001999 = 4.997498749e-7
    //       sqrt(v^) = 7.069298939e-4; step = 1e-3 * 4.736842e-4 / (7.069299e-4 + 1e-8)
    //       = 6.70048776e-4
    const mHat = 9e-5 / 0.19;
    const vHat = 0.999e-9 / 0.001999;
    expect(bDec1 - p.bDec[0]!).toBeCloseTo((LR * mHat) / (Math.sqrt(vHat) + 1e-8), 15);
    expect(bDec1 - p.bDec[0]!).toBeCloseTo(6.70048776e-4, 12);
  });
});

// ---------------------------------------------------------------------------------------------
// trainStep
// ---------------------------------------------------------------------------------------------

describe("trainStep", () => {
  // Structured SAE problem: each token is a positive multiple of one or two of 4 fixed,
  // non-axis-aligned unit directions in d_in = 6.
  const dIn = 6;
  const dSae = 8;
  const batch = 32;
  const shape: RefShape = { kind: "sae", dIn, dSae, dOut: dIn, applyBDecToInput: true };

  function data(): Float64Array {
    const rand = seededRandom(77);
    const dirs: Float64Array[] = [];
    for (let j = 0; j < 4; j++) {
      const d = uniform(dIn, rand, -1, 1);
      const n = Math.hypot(...d);
      dirs.push(d.map((v) => v / n));
    }
    const x = new Float64Array(batch * dIn);
    for (let b = 0; b < batch; b++) {
      const picks = [b % 4, Math.floor(rand() * 4)];
      for (const [k, j] of picks.entries()) {
        if (k === 1 && rand() < 0.5) continue;
        const a = 1 + rand();
        for (let d = 0; d < dIn; d++) x[b * dIn + d] = x[b * dIn + d]! + a * dirs[j]![d]!;
      }
    }
    return x;
  }

  function params(): RefParams {
    const p = initDictionary({ dIn, dSae, dOut: dIn }, 5);
    return {
      wEnc: Float64Array.from(p.wEnc),
      bEnc: Float64Array.from(p.bEnc),
      wDec: Float64Array.from(p.wDec),
      bDec: Float64Array.from(p.bDec),
    };
  }

  it("returns pre-update forward metrics and the pre-clipping gradient norm", () => {
    const x = data();
    const p = params();
    const before = forward(shape, p, x, x, batch, 1e-3);
    const g = gradients(shape, p, x, x, batch, 1e-3);
    const wDecBefore = Float64Array.from(p.wDec);
    const state: RefAdamState = { step: 0, m: zerosLike(p), v: zerosLike(p) };
    const out = trainStep(shape, p, state, x, x, batch, 1e-3, 1e-2);
    expect(out.loss).toBe(before.loss);
    expect(out.mseLoss).toBe(before.mseLoss);
    expect(out.gradNorm).toBe(globalNorm(g));
    expect(state.step).toBe(1);
    // The update was applied to the parameters in place.
    expect(scaledError(p.wDec, wDecBefore)).toBeGreaterThan(1e-3);
  });

  it("decreases the loss over 20 full-batch steps", () => {
    const x = data();
    const p = params();
    const state: RefAdamState = { step: 0, m: zerosLike(p), v: zerosLike(p) };
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      losses.push(trainStep(shape, p, state, x, x, batch, 1e-3, 2e-2).loss);
    }
    const final = forward(shape, p, x, x, batch, 1e-3);
    const first = losses[0]!;
    expect(first).toBeGreaterThan(1);
    expect(final.loss).toBeLessThan(0.3 * first);
    // Mostly monotone: the last five losses are all below the best of the first five.
    expect(Math.max(...losses.slice(15))).toBeLessThan(Math.min(...losses.slice(0, 5)));
    expect(final.explainedVariance).toBeGreaterThan(0.5);
  });
});

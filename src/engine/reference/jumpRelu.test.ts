/**
 * JumpReLU's straight-through estimators against their defining formulas (architectures.md
 * §4), worked out here from scratch on a problem whose pre-activations sit within ±ε/2 of the
 * thresholds, where the rectangle kernel is non-zero.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { gradients } from "./architectureBackward.ts";
import { forward } from "./architectureForward.ts";
import {
  architectureSpec,
  type ArchitectureSpecInput,
  type ArchParams,
} from "./architectureSpec.ts";
import { maskOf, scaledError, uniform } from "./architectureTestUtils.ts";
import { jumpReluThresholdGrad, rectangle, stepThresholdGrad } from "./jumpRelu.ts";

describe("the STE building blocks", () => {
  it("rectangle is 1 on the open interval (−1/2, 1/2) only", () => {
    expect([-0.5, -0.4999, 0, 0.4999, 0.5, 2].map(rectangle)).toEqual([0, 1, 1, 1, 0, 0]);
  });

  it("JumpReLU's θ gradient is −(θ/ε)·g inside the window, 0 outside", () => {
    expect(jumpReluThresholdGrad(0.21, 0.2, 0.05, 3)).toBeCloseTo(-12, 12);
    expect(jumpReluThresholdGrad(0.19, 0.2, 0.05, 3)).toBeCloseTo(-12, 12);
    expect(jumpReluThresholdGrad(0.23, 0.2, 0.05, 3)).toBe(-0);
  });

  it("Step's θ gradient is −(1/ε)·g inside the window, 0 outside", () => {
    expect(stepThresholdGrad(0.21, 0.2, 0.05, 3)).toBeCloseTo(-60, 12);
    expect(stepThresholdGrad(0.17, 0.2, 0.05, 3)).toBe(-0);
  });
});

const ROWS = 8;
const EPS = 0.05;
const BASE = { kind: "sae", dIn: 3, dSae: 4, dOut: 3, applyBDecToInput: false } as const;
const DEAD = [1, 2];

/**
 * Rows 0–5 are one input plus noise of ±0.01, so each latent's π spreads over a few hundredths
 * around a common value; θ_j is set to the middle of that spread, putting those rows inside
 * ±ε/2 on both sides of θ. Rows 6–7 are far away, outside the window.
 */
function problem(seed: number) {
  const rand = seededRandom(seed);
  const { dIn, dSae, dOut } = BASE;
  const p: ArchParams = {
    wEnc: uniform(dIn * dSae, rand, -1, 1),
    bEnc: uniform(dSae, rand, 0.3, 0.6),
    wDec: uniform(dSae * dOut, rand, -1, 1),
    bDec: uniform(dOut, rand, -0.5, 0.5),
  };
  const center = uniform(dIn, rand, -0.2, 0.2);
  const x = new Float64Array(ROWS * dIn);
  for (let b = 0; b < ROWS; b++) {
    for (let k = 0; k < dIn; k++) {
      x[b * dIn + k] = b < 6 ? center[k]! + 0.01 * (2 * rand() - 1) : 3 * (2 * rand() - 1);
    }
  }
  const pre = preActivations(p, x);
  p.logThreshold = Float64Array.from({ length: dSae }, (_, j) => {
    const near = Array.from({ length: 6 }, (_, b) => pre[b * dSae + j]!).sort((a, c) => a - c);
    return Math.log((near[2]! + near[3]!) / 2);
  });
  return { p, x, pre };
}

function preActivations(p: ArchParams, x: Float64Array): Float64Array {
  const { dIn, dSae } = BASE;
  const pre = new Float64Array(ROWS * dSae);
  for (let b = 0; b < ROWS; b++) {
    for (let j = 0; j < dSae; j++) {
      let t = p.bEnc[j]!;
      for (let k = 0; k < dIn; k++) t += x[b * dIn + k]! * p.wEnc[k * dSae + j]!;
      pre[b * dSae + j] = t;
    }
  }
  return pre;
}

/**
 * ∂L/∂log θ_j = θ_j·Σ_b [ −(θ_j/ε)·K_bj·g_bj  (JumpReLU, g = ∂L/∂f)
 *                        − (1/ε)·K_bj·c/B      (step L0)
 *                        + (c_pre/B)·dead_j·n_j·1[θ_j > π_bj] ]  (pre-activation loss)
 * with K_bj = 1[|π_bj − θ_j| < ε/2], g from the MSE (and from tanh(s·f·n) in tanh mode).
 */
function expectedLogThresholdGrad(spec: ArchitectureSpecInput & typeof BASE, seed: number) {
  const { p, x, pre } = problem(seed);
  const { dSae: F, dOut } = BASE;
  const theta = p.logThreshold!.map(Math.exp);
  const n = Array.from({ length: F }, (_, j) =>
    Math.hypot(...p.wDec.subarray(j * dOut, (j + 1) * dOut)),
  );
  const f = pre.map((v, e) => (v > theta[e % F]! ? v : 0));
  const c = (spec.l0Coefficient ?? 1) / ROWS;
  const cPre = (spec.preActLossCoefficient ?? 0) / ROWS;
  const tanh = spec.jumpreluSparsityLossMode === "tanh";
  const expected = new Float64Array(F);
  let inWindow = 0;
  for (let b = 0; b < ROWS; b++) {
    for (let j = 0; j < F; j++) {
      const e = b * F + j;
      let g = 0;
      for (let d = 0; d < dOut; d++) {
        let yHat = p.bDec[d]!;
        for (let i = 0; i < F; i++) yHat += f[b * F + i]! * p.wDec[i * dOut + d]!;
        g += ((2 * (yHat - x[b * dOut + d]!)) / ROWS) * p.wDec[j * dOut + d]!;
      }
      if (tanh) g += c * 4 * n[j]! * (1 - Math.tanh(4 * f[e]! * n[j]!) ** 2);
      const K = Math.abs(pre[e]! - theta[j]!) < EPS / 2 ? 1 : 0;
      inWindow += K;
      let t = -(theta[j]! / EPS) * K * g;
      if (!tanh) t += -(1 / EPS) * K * c;
      if (DEAD.includes(j) && theta[j]! > pre[e]!) t += cPre * n[j]!;
      expected[j] = expected[j]! + theta[j]! * t;
    }
  }
  return { p, x, pre, theta, expected, inWindow };
}

describe("∂L/∂log θ against the defining formulas, π within ±ε/2 of θ", () => {
  const cases: { name: string; spec: ArchitectureSpecInput & typeof BASE }[] = [
    {
      name: "step L0 with the pre-activation loss",
      spec: { ...BASE, architecture: "jumprelu", l0Coefficient: 0.7, preActLossCoefficient: 0.4 },
    },
    {
      name: "tanh L0",
      spec: {
        ...BASE,
        architecture: "jumprelu",
        l0Coefficient: 0.7,
        jumpreluSparsityLossMode: "tanh",
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const spec = architectureSpec(c.spec);
      const { p, x, pre, theta, expected, inWindow } = expectedLogThresholdGrad(c.spec, 17);
      // Most entries are in the window, on both sides of θ, and some are outside it.
      expect(inWindow).toBeGreaterThanOrEqual(20);
      expect(inWindow).toBeLessThan(ROWS * BASE.dSae);
      expect(pre.some((v, e) => v > theta[e % 4]! && v < theta[e % 4]! + EPS / 2)).toBe(true);
      expect(pre.some((v, e) => v < theta[e % 4]! && v > theta[e % 4]! - EPS / 2)).toBe(true);
      const dead = maskOf(spec.dSae, DEAD);
      const fw = forward(spec, p, x, x, ROWS, { deadMask: dead });
      const grads = gradients(spec, p, fw, x, x, ROWS, dead);
      expect(Math.min(...expected.map(Math.abs))).toBeGreaterThan(1e-2);
      expect(scaledError(grads.logThreshold!, expected)).toBeLessThan(1e-12);
    });
  }

  it("the pre-activation term is the true derivative of pre_act_loss (central differences)", () => {
    const spec = architectureSpec({
      ...BASE,
      architecture: "jumprelu",
      preActLossCoefficient: 0.4,
    });
    const { p, x } = problem(17);
    const dead = maskOf(spec.dSae, DEAD);
    const withPre = gradients(
      spec,
      p,
      forward(spec, p, x, x, ROWS, { deadMask: dead }),
      x,
      x,
      ROWS,
      dead,
    );
    const none = new Uint8Array(spec.dSae);
    const withoutPre = gradients(
      spec,
      p,
      forward(spec, p, x, x, ROWS, { deadMask: none }),
      x,
      x,
      ROWS,
      none,
    );
    const lt = p.logThreshold!;
    const numeric = lt.map((orig, j) => {
      const at = (v: number) => {
        lt[j] = v;
        const out = forward(spec, p, x, x, ROWS, { deadMask: dead }).losses.pre_act_loss!;
        lt[j] = orig;
        return out;
      };
      return (at(orig + 1e-6) - at(orig - 1e-6)) / 2e-6;
    });
    const analytic = withPre.logThreshold!.map((g, j) => g - withoutPre.logThreshold![j]!);
    expect(numeric[DEAD[0]!]).toBeGreaterThan(1e-3);
    expect(numeric[0]).toBe(0);
    expect(scaledError(analytic, numeric)).toBeLessThan(1e-8);
  });
});

describe("∂/∂π: JumpReLU passes 1[π > θ], the step penalty passes nothing", () => {
  const { p, x, pre } = problem(17);
  const dead = new Uint8Array(BASE.dSae);
  const grad = (l0Coefficient: number) => {
    const spec = architectureSpec({ ...BASE, architecture: "jumprelu", l0Coefficient });
    return gradients(spec, p, forward(spec, p, x, x, ROWS, { deadMask: dead }), x, x, ROWS, dead);
  };

  it("b_enc's gradient is Σ_b ∂L/∂f·1[π > θ] (no STE on π)", () => {
    const { dSae: F, dOut } = BASE;
    const theta = p.logThreshold!.map(Math.exp);
    const f = pre.map((v, e) => (v > theta[e % F]! ? v : 0));
    const expected = new Float64Array(F);
    for (let b = 0; b < ROWS; b++) {
      for (let j = 0; j < F; j++) {
        if (!(pre[b * F + j]! > theta[j]!)) continue;
        for (let d = 0; d < dOut; d++) {
          let yHat = p.bDec[d]!;
          for (let i = 0; i < F; i++) yHat += f[b * F + i]! * p.wDec[i * dOut + d]!;
          expected[j] =
            expected[j]! + ((2 * (yHat - x[b * dOut + d]!)) / ROWS) * p.wDec[j * dOut + d]!;
        }
      }
    }
    expect(scaledError(grad(0).bEnc, expected)).toBeLessThan(1e-12);
  });

  it("the step L0 coefficient changes only log θ's gradient", () => {
    const [a, b] = [grad(0), grad(5)];
    for (const name of ["wEnc", "bEnc", "wDec", "bDec"] as const) expect(b[name]).toEqual(a[name]);
    expect(scaledError(b.logThreshold!, a.logThreshold!)).toBeGreaterThan(0.1);
  });
});

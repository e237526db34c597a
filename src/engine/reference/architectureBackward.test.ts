import { describe, expect, it } from "vitest";
import { gradients } from "./architectureBackward.ts";
import { auxK, forward, type ArchForward } from "./architectureForward.ts";
import {
  architectureSpec,
  paramNames,
  zerosLikeParams,
  type ArchitectureSpec,
  type ArchitectureSpecInput,
  type ArchParamName,
  type ArchParams,
} from "./architectureSpec.ts";
import {
  decisionMargin,
  drawProblem,
  maskOf,
  maxAbs,
  scaledError,
  type Problem,
} from "./architectureTestUtils.ts";

const ROWS = 7;
const H = 1e-6;
// Central differences in float64 with h = 1e-6 are good to ~1e-9 of the gradient's scale;
// a missing or wrong term is off by far more than 1e-6.
const TOL = 1e-6;
// No selection, ReLU or JumpReLU decision within this of flipping (a step of h moves π ~1e-6).
const MARGIN = 2e-3;

interface Case {
  name: string;
  spec: ArchitectureSpecInput;
  dead: number[];
}

const SAE = { kind: "sae", dIn: 6, dSae: 11, dOut: 6, applyBDecToInput: true } as const;
const TRANSCODER = {
  kind: "transcoder",
  dIn: 5,
  dSae: 11,
  dOut: 6,
  applyBDecToInput: false,
} as const;
// d_out = 6, so k_aux's cap ⌊d_out/2⌋ is 3: two dead latents are fewer, five are more.
const FEW_DEAD = [1, 7];
const MANY_DEAD = [0, 2, 4, 7, 9];

const CASES: Case[] = [
  {
    name: "topk SAE, rescaled, AuxK with D < d/2",
    spec: { ...SAE, architecture: "topk", k: 3 },
    dead: FEW_DEAD,
  },
  {
    name: "topk SAE, rescaled, AuxK with D > d/2",
    spec: { ...SAE, architecture: "topk", k: 3 },
    dead: MANY_DEAD,
  },
  {
    name: "topk SAE, not rescaled, no b_dec shift",
    spec: {
      ...SAE,
      architecture: "topk",
      k: 4,
      rescaleActsByDecoderNorm: false,
      applyBDecToInput: false,
    },
    dead: MANY_DEAD,
  },
  {
    name: "topk skip transcoder, AuxK coefficient 0.7",
    spec: { ...TRANSCODER, architecture: "topk", k: 3, skip: true, auxLossCoefficient: 0.7 },
    dead: FEW_DEAD,
  },
  {
    name: "batchtopk SAE, k = 2.5",
    spec: { ...SAE, architecture: "batchtopk", k: 2.5 },
    dead: MANY_DEAD,
  },
  {
    name: "batchtopk skip transcoder, not rescaled",
    spec: {
      ...TRANSCODER,
      architecture: "batchtopk",
      k: 3,
      skip: true,
      rescaleActsByDecoderNorm: false,
    },
    dead: FEW_DEAD,
  },
  {
    name: "matryoshka_batchtopk SAE, widths 3,7,11, k = 2.5",
    spec: { ...SAE, architecture: "matryoshka_batchtopk", k: 2.5, matryoshkaWidths: [3, 7, 11] },
    dead: MANY_DEAD,
  },
  {
    name: "matryoshka_batchtopk transcoder, widths 2,5,9,11, not rescaled",
    spec: {
      ...TRANSCODER,
      architecture: "matryoshka_batchtopk",
      k: 3,
      matryoshkaWidths: [2, 5, 9, 11],
      rescaleActsByDecoderNorm: false,
    },
    dead: FEW_DEAD,
  },
  {
    name: "jumprelu SAE, step L0 and pre-activation loss",
    spec: { ...SAE, architecture: "jumprelu", l0Coefficient: 0.8, preActLossCoefficient: 0.6 },
    dead: MANY_DEAD,
  },
  {
    name: "jumprelu SAE, tanh L0 and pre-activation loss",
    spec: {
      ...SAE,
      architecture: "jumprelu",
      l0Coefficient: 0.8,
      jumpreluSparsityLossMode: "tanh",
      preActLossCoefficient: 0.6,
    },
    dead: FEW_DEAD,
  },
  {
    name: "jumprelu skip transcoder, tanh L0",
    spec: { ...TRANSCODER, architecture: "jumprelu", jumpreluSparsityLossMode: "tanh", skip: true },
    dead: [],
  },
];

/** The loss with AuxK's residual held at the test point's value, as SAELens's .detach() does. */
function detachedLoss(pr: Problem, dead: Uint8Array, residual: Float64Array | undefined) {
  const fw = forward(pr.spec, pr.params, pr.x, pr.y, pr.rows, { deadMask: dead });
  if (residual === undefined) return fw.loss;
  const aux = auxK(pr.spec, pr.params, fw, residual, dead, pr.rows);
  return fw.loss - (fw.auxK?.loss ?? 0) + (aux?.loss ?? 0);
}

function numericGradients(pr: Problem, dead: Uint8Array, names: ArchParamName[]): ArchParams {
  const fw0 = forward(pr.spec, pr.params, pr.x, pr.y, pr.rows, { deadMask: dead });
  const residual = fw0.auxK?.residual;
  const out = zerosLikeParams(pr.spec);
  for (const name of names) {
    const w = pr.params[name]!;
    const g = out[name]!;
    for (let e = 0; e < w.length; e++) {
      const orig = w[e]!;
      w[e] = orig + H;
      const lp = detachedLoss(pr, dead, residual);
      w[e] = orig - H;
      const lm = detachedLoss(pr, dead, residual);
      w[e] = orig;
      g[e] = (lp - lm) / (2 * H);
    }
  }
  return out;
}

/** First seed whose test point keeps every decision at least MARGIN away from flipping. */
function drawSmooth(spec: ArchitectureSpec, dead: Uint8Array, seed0: number) {
  for (let seed = seed0; seed < seed0 + 400; seed++) {
    const pr = drawProblem(spec, ROWS, seed);
    const fw = forward(spec, pr.params, pr.x, pr.y, ROWS, { deadMask: dead });
    if (decisionMargin(spec, fw, dead) >= MARGIN && exercised(spec, fw)) return { pr, fw };
  }
  throw new Error("no test point away from every decision boundary");
}

/** Both sides of each decision occur: some latents pass and some do not, some AuxK entries < 0. */
function exercised(s: ArchitectureSpec, fw: ArchForward): boolean {
  const on = fw.passes.reduce((a, v) => a + v, 0);
  const blocked = fw.hiddenPre.filter((v, e) => v > 0 && !fw.passes[e]).length;
  const negativeAux = fw.auxK ? fw.auxK.auxActs.some((v) => v < 0) : true;
  return on > fw.passes.length / 8 && blocked > 0 && (s.architecture === "jumprelu" || negativeAux);
}

describe("architecture gradients against central finite differences (float64)", () => {
  CASES.forEach((c, i) => {
    describe(c.name, () => {
      const spec = architectureSpec(c.spec);
      const dead = maskOf(spec.dSae, c.dead);
      const { pr, fw } = drawSmooth(spec, dead, 100 * (i + 1));
      // JumpReLU's log θ has only a straight-through gradient (jumpRelu.test.ts checks it).
      const names = paramNames(spec).filter((n) => n !== "logThreshold");
      const analytic = gradients(spec, pr.params, fw, pr.x, pr.y, ROWS, dead);
      const numeric = numericGradients(pr, dead, names);

      it("the test point exercises every term", () => {
        expect(decisionMargin(spec, fw, dead)).toBeGreaterThanOrEqual(MARGIN);
        if (spec.architecture === "jumprelu") {
          expect(fw.losses.l0_loss).toBeGreaterThan(0);
          if (spec.preActLossCoefficient && c.dead.length)
            expect(fw.losses.pre_act_loss).toBeGreaterThan(0);
        } else if (c.dead.length) {
          expect(fw.auxK!.loss).toBeGreaterThan(0.05 * fw.losses.mse_loss);
        }
      });

      for (const name of names) {
        it(`${name}: every entry within ${TOL} of the gradient's scale`, () => {
          expect(maxAbs(numeric[name]!)).toBeGreaterThan(1e-3);
          expect(scaledError(analytic[name]!, numeric[name]!)).toBeLessThan(TOL);
        });
      }

      if (fw.inner) {
        it("the check sees each inner loss: leaving one out moves W_dec's gradient", () => {
          expect(fw.inner!.length).toBe(spec.matryoshkaWidths.length - 1);
          for (let level = 0; level < fw.inner!.length; level++) {
            const inner = fw.inner!.filter((_, l) => l !== level);
            const without = gradients(spec, pr.params, { ...fw, inner }, pr.x, pr.y, ROWS, dead);
            expect(scaledError(without.wDec, numeric.wDec)).toBeGreaterThan(1e-3);
          }
        });
      }

      if (fw.auxK) {
        it("the check sees AuxK: its gradient is a visible part of W_enc's and W_dec's", () => {
          const withoutAux = gradients(
            spec,
            pr.params,
            { ...fw, auxK: undefined },
            pr.x,
            pr.y,
            ROWS,
            dead,
          );
          for (const name of ["wEnc", "wDec"] as const) {
            expect(scaledError(withoutAux[name], numeric[name])).toBeGreaterThan(1e-3);
          }
        });
      }
    });
  });

  it("AuxK with no dead latent adds nothing", () => {
    const spec = architectureSpec({ ...SAE, architecture: "topk", k: 3 });
    const none = new Uint8Array(spec.dSae);
    const { pr, fw } = drawSmooth(spec, none, 5);
    expect(fw.auxK).toBeUndefined();
    expect(fw.losses.auxiliary_reconstruction_loss).toBe(0);
    const numeric = numericGradients(pr, none, paramNames(spec));
    const analytic = gradients(spec, pr.params, fw, pr.x, pr.y, ROWS, none);
    for (const name of paramNames(spec)) {
      expect(scaledError(analytic[name]!, numeric[name]!)).toBeLessThan(TOL);
    }
  });
});

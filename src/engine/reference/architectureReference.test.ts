import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { gradients } from "./architectureBackward.ts";
import { exportDictionary } from "./architectureExport.ts";
import { forward } from "./architectureForward.ts";
import {
  adamUpdate,
  clipGradNorm,
  deadMask,
  initArchitecture,
  initTrainerState,
  trainStep,
} from "./architectureReference.ts";
import { architectureSpec, paramNames, type ArchitectureSpec } from "./architectureSpec.ts";
import { cloneParams, drawProblem, maskOf, scaledError, uniform } from "./architectureTestUtils.ts";
import {
  adamUpdate as standardAdamUpdate,
  clipGradNorm as standardClipGradNorm,
  zerosLike,
  type RefParams,
} from "./dictionaryReference.ts";

const SAE = { kind: "sae", dIn: 8, dSae: 12, dOut: 8, applyBDecToInput: true } as const;
const TRANSCODER = {
  kind: "transcoder",
  dIn: 7,
  dSae: 12,
  dOut: 5,
  applyBDecToInput: false,
} as const;

const desc = (a: Iterable<number>) => Array.from(a).sort((u, v) => v - u);

describe("AuxK (SAELens calculate_topk_aux_loss), worked out by hand", () => {
  // d_out = 8: k_aux's cap is ⌊8/2⌋ = 4.
  const spec = architectureSpec({ ...SAE, architecture: "topk", k: 3, auxLossCoefficient: 0.8 });
  const rows = 5;
  const { params: p, x } = drawProblem(spec, rows, 11);

  function byHand(dead: number[]) {
    const fw = forward(spec, p, x, x, rows, { deadMask: maskOf(spec.dSae, dead) });
    const { dSae: F, dOut } = spec;
    const half = 4;
    const kAux = Math.min(half, dead.length);
    const scale = Math.min(dead.length / half, 1);
    const n = Array.from({ length: F }, (_, j) =>
      Math.hypot(...p.wDec.subarray(j * dOut, (j + 1) * dOut)),
    );
    let sse = 0;
    let negativeChosen = 0;
    for (let b = 0; b < rows; b++) {
      const hp = Array.from({ length: F }, (_, j) => {
        let t = p.bEnc[j]!;
        for (let k = 0; k < spec.dIn; k++)
          t += (x[b * spec.dIn + k]! - p.bDec[k]!) * p.wEnc[k * F + j]!;
        return t * n[j]!;
      });
      const main = desc(hp).slice(0, spec.k);
      const chosen = desc(dead.map((j) => hp[j]!)).slice(0, kAux);
      negativeChosen += chosen.filter((v) => v < 0).length;
      for (let d = 0; d < dOut; d++) {
        let yHat = p.bDec[d]!;
        let recons = p.bDec[d]!;
        for (let j = 0; j < F; j++) {
          if (main.includes(hp[j]!)) yHat += (Math.max(0, hp[j]!) / n[j]!) * p.wDec[j * dOut + d]!;
          if (dead.includes(j) && chosen.includes(hp[j]!))
            recons += (hp[j]! / n[j]!) * p.wDec[j * dOut + d]!;
        }
        sse += (recons - (x[b * dOut + d]! - yHat)) ** 2;
      }
    }
    return { fw, kAux, scale, loss: (0.8 * scale * sse) / rows, negativeChosen };
  }

  it("D = 0: no AuxK term", () => {
    const { fw } = byHand([]);
    expect(fw.auxK).toBeUndefined();
    expect(fw.losses.auxiliary_reconstruction_loss).toBe(0);
    expect(fw.loss).toBe(fw.losses.mse_loss);
  });

  it("D = 2 < d/2: k_aux = 2, scale = 1/2; negative pre-activations are chosen as they are", () => {
    const h = byHand([3, 10]);
    expect(h.fw.auxK).toMatchObject({ numDead: 2, kAux: 2, scale: 0.5 });
    expect(h.kAux).toBe(2);
    expect(h.negativeChosen).toBeGreaterThan(0);
    expect(h.fw.auxK!.auxActs.some((v) => v < 0)).toBe(true);
    expect(h.fw.auxK!.loss).toBeCloseTo(h.loss, 12);
    expect(h.fw.loss).toBeCloseTo(h.fw.losses.mse_loss + h.loss, 12);
  });

  it("D = 6 > d/2: k_aux = 4, scale = 1, only dead latents chosen", () => {
    const dead = [0, 2, 3, 5, 8, 11];
    const h = byHand(dead);
    expect(h.fw.auxK).toMatchObject({ numDead: 6, kAux: 4, scale: 1 });
    expect(h.fw.auxK!.loss).toBeCloseTo(h.loss, 12);
    const chosen = h.fw.auxK!.selected;
    for (let b = 0; b < rows; b++) {
      const cols = [...chosen.subarray(b * 12, (b + 1) * 12)].flatMap((v, j) => (v ? [j] : []));
      expect(cols).toHaveLength(4);
      for (const j of cols) expect(dead).toContain(j);
    }
  });

  it("a transcoder's k_aux is capped by ⌊d_out/2⌋ (the residual's width), not d_in", () => {
    const tc = architectureSpec({ ...TRANSCODER, architecture: "topk", k: 3 });
    const pr = drawProblem(tc, rows, 3);
    const fw = forward(tc, pr.params, pr.x, pr.y, rows, { deadMask: maskOf(12, [0, 1, 2, 3, 4]) });
    expect(fw.auxK).toMatchObject({ numDead: 5, kAux: 2, scale: 1 });
  });
});

describe("dead latents: steps since fired, as SAELens counts them", () => {
  it("a latent that never fires is dead once more than dead_feature_window steps have passed", () => {
    const spec = architectureSpec({ ...SAE, architecture: "topk", k: 3, deadFeatureWindow: 2 });
    const { params: p, x } = drawProblem(spec, 6, 21);
    // Latent 4 never reaches the top 3: no input weight and a very negative bias.
    for (let k = 0; k < spec.dIn; k++) p.wEnc[k * spec.dSae + 4] = 0;
    p.bEnc[4] = -50;
    const state = initTrainerState(spec);
    const counters = new Float64Array(spec.dSae);
    for (let step = 0; step < 6; step++) {
      const dead = counters.filter((c) => c > 2).length;
      const out = trainStep(spec, p, state, x, x, 6, 1e-3);
      expect(out.deadFeatures).toBe(dead);
      expect(deadMask(spec, state)[4]).toBe(step + 1 > 2 ? 1 : 0);
      if (step >= 3) expect(out.auxK?.numDead).toBeGreaterThanOrEqual(1);
      for (let j = 0; j < spec.dSae; j++) {
        let fired = false;
        for (let b = 0; b < 6; b++) fired ||= out.featureActs[b * spec.dSae + j] !== 0;
        counters[j] = fired ? 0 : counters[j]! + 1;
      }
      expect(Array.from(state.nForwardPassesSinceFired)).toEqual(Array.from(counters));
    }
    expect(state.nForwardPassesSinceFired[4]).toBe(6);
  });
});

describe("BatchTopK's running threshold τ", () => {
  const spec = architectureSpec({ ...SAE, architecture: "batchtopk", k: 2 });
  const rows = 6;

  it("follows τ ← 0.99τ + 0.01·min(f > 0) over five steps and is exported as every threshold", () => {
    const { params: p, x } = drawProblem(spec, rows, 31);
    const state = initTrainerState(spec);
    let tau = 0;
    for (let step = 0; step < 5; step++) {
      const before = forward(spec, p, x, x, rows, { deadMask: deadMask(spec, state) });
      const kept = desc(before.hiddenPre.map((v) => Math.max(0, v))).slice(0, 2 * rows);
      const minPositive = Math.min(...kept.filter((v) => v > 0));
      expect(kept.filter((v) => v > 0)).toHaveLength(12);
      tau = 0.99 * tau + 0.01 * minPositive;
      trainStep(spec, p, state, x, x, rows, 1e-2);
      expect(state.topkThreshold).toBeCloseTo(tau, 15);
    }
    expect(tau).toBeGreaterThan(0.01);
    const exported = exportDictionary(spec, p, state);
    expect(exported.spec.activation).toEqual({ kind: "jumprelu", relu: true });
    expect(Array.from(exported.params.threshold!)).toEqual(new Array(12).fill(Math.fround(tau)));
  });

  it("stays put when no latent is positive", () => {
    const { params: p, x } = drawProblem(spec, rows, 31);
    p.bEnc.fill(-100);
    const state = initTrainerState(spec);
    state.topkThreshold = 0.25;
    const out = trainStep(spec, p, state, x, x, rows, 1e-3);
    expect(out.l0).toBe(0);
    expect(state.topkThreshold).toBe(0.25);
    expect(Array.from(state.nForwardPassesSinceFired)).toEqual(new Array(12).fill(1));
  });
});

describe("initArchitecture (SAELens's init, seeded)", () => {
  const norms = (m: Float64Array, rows: number, cols: number) =>
    Array.from({ length: rows }, (_, r) => Math.hypot(...m.subarray(r * cols, (r + 1) * cols)));

  it("SAE: W_dec rows at norm 0.1, W_enc = W_decᵀ, zero biases, log θ = log 0.01", () => {
    const s = architectureSpec({ ...SAE, architecture: "jumprelu" });
    const p = initArchitecture(s, 5);
    for (const n of norms(p.wDec, 12, 8)) expect(n).toBeCloseTo(0.1, 7);
    for (let j = 0; j < 12; j++) {
      for (let k = 0; k < 8; k++) expect(p.wEnc[k * 12 + j]).toBe(p.wDec[j * 8 + k]);
    }
    expect([...p.bEnc, ...p.bDec].every((v) => v === 0)).toBe(true);
    expect(Array.from(p.logThreshold!)).toEqual(new Array(12).fill(Math.log(0.01)));
    expect(p.wSkip).toBeUndefined();
  });

  it("skip transcoder: W_enc drawn on its own shape, W_skip [d_out, d_in] = 0; same seed, same weights", () => {
    const s = architectureSpec({ ...TRANSCODER, architecture: "topk", k: 2, skip: true });
    const p = initArchitecture(s, 9);
    const wEncT = Float64Array.from(
      { length: 7 * 12 },
      (_, e) => p.wEnc[(e % 7) * 12 + Math.floor(e / 7)]!,
    );
    for (const n of [...norms(p.wDec, 12, 5), ...norms(wEncT, 12, 7)])
      expect(n).toBeCloseTo(0.1, 7);
    expect(p.wSkip).toEqual(new Float64Array(35));
    expect(p.logThreshold).toBeUndefined();
    expect(initArchitecture(s, 9)).toEqual(p);
    expect(initArchitecture(s, 10).wDec).not.toEqual(p.wDec);
  });
});

describe("clipping and Adam", () => {
  const s = architectureSpec({ ...SAE, architecture: "topk", k: 3 });
  const asStandard = (p: {
    wEnc: Float64Array;
    bEnc: Float64Array;
    wDec: Float64Array;
    bDec: Float64Array;
  }) => ({ wEnc: p.wEnc, bEnc: p.bEnc, wDec: p.wDec, bDec: p.bDec }) as RefParams;

  it("agree with the standard reference's clip_grad_norm_ and Adam over three steps", () => {
    const rand = seededRandom(4);
    const p = drawProblem(s, 2, 4).params;
    const q = cloneParams(s, p);
    const state = initTrainerState(s);
    const standard = { step: 0, m: zerosLike(asStandard(q)), v: zerosLike(asStandard(q)) };
    for (let step = 0; step < 3; step++) {
      const g = cloneParams(s, p);
      for (const name of paramNames(s)) g[name] = uniform(p[name]!.length, rand, -3, 3);
      const h = cloneParams(s, g);
      expect(clipGradNorm(s, g, 1)).toBeCloseTo(standardClipGradNorm(asStandard(h), 1), 12);
      adamUpdate(s, p, g, state, 1e-2);
      standardAdamUpdate(asStandard(q), asStandard(h), standard, 1e-2);
    }
    for (const name of paramNames(s)) expect(scaledError(p[name]!, q[name]!)).toBeLessThan(1e-14);
  });
});

describe("trainStep", () => {
  const cases: ArchitectureSpec[] = [
    architectureSpec({ ...SAE, architecture: "topk", k: 3, deadFeatureWindow: 1 }),
    architectureSpec({ ...TRANSCODER, architecture: "batchtopk", k: 2, skip: true }),
    architectureSpec({
      ...SAE,
      architecture: "jumprelu",
      l0Coefficient: 0.01,
      jumpreluSparsityLossMode: "tanh",
    }),
  ];

  for (const s of cases) {
    it(`${s.architecture} ${s.kind}: dead mask → forward → gradients → clip → Adam, in place`, () => {
      const pr = drawProblem(s, 8, 41);
      const state = initTrainerState(s);
      state.nForwardPassesSinceFired.fill(3);
      const dead = deadMask(s, state);
      const q = cloneParams(s, pr.params);
      const fw = forward(s, q, pr.x, pr.y, 8, { deadMask: dead });
      const g = gradients(s, q, fw, pr.x, pr.y, 8, dead);
      const manual = initTrainerState(s);
      const gradNorm = clipGradNorm(s, g, 1);
      adamUpdate(s, q, g, manual, 1e-3);
      const out = trainStep(s, pr.params, state, pr.x, pr.y, 8, 1e-3);
      expect(out.loss).toBe(fw.loss);
      expect(out.gradNorm).toBe(gradNorm);
      expect(out.deadFeatures).toBe(s.deadFeatureWindow === 1 ? 12 : 0);
      for (const name of paramNames(s)) expect(pr.params[name]).toEqual(q[name]);
    });

    it(`${s.architecture} ${s.kind}: the loss falls over 30 steps from SAELens's init`, () => {
      const rand = seededRandom(7);
      const x = uniform(16 * s.dIn, rand, -1, 1);
      const y = s.kind === "sae" ? x : uniform(16 * s.dOut, rand, -1, 1);
      const p = initArchitecture(s, 3);
      const state = initTrainerState(s);
      const losses = Array.from({ length: 30 }, () => trainStep(s, p, state, x, y, 16, 1e-2).loss);
      expect(losses[29]!).toBeLessThan(0.7 * losses[0]!);
    });
  }
});

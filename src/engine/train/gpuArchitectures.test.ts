/**
 * The TopK, BatchTopK, Matryoshka BatchTopK and JumpReLU training kernels against the float64
 * references (src/engine/reference/architecture*.ts): per step the loss terms (Matryoshka's
 * inner losses too), L0, the gradients of every
 * parameter (AuxK with no, few, many and all latents dead; the pre-activation loss; skip
 * connections), τ and the counters, over three steps of clipping and Adam; and the awkward
 * cases: ties (within a row and across rows), k = d_sae (and BatchTopK's k·B beyond the batch),
 * every latent dead, and JumpReLU pre-activations exactly at θ and at the rectangle's edges.
 */
import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { gradients } from "../reference/architectureBackward.ts";
import { forward } from "../reference/architectureForward.ts";
import {
  adamUpdate,
  clipGradNorm,
  deadMask,
  initTrainerState,
  updateFiredCounters,
  updateTopkThreshold,
  type ArchTrainerState,
} from "../reference/architectureReference.ts";
import {
  architectureSpec,
  selectsOverBatch,
  type ArchitectureSpec,
  type ArchParams,
} from "../reference/architectureSpec.ts";
import {
  decisionMargin,
  drawProblem,
  maxAbs,
  scaledError,
  type Problem,
} from "../reference/architectureTestUtils.ts";
import {
  architectureOptions,
  exportedActivation,
  type ArchitectureOptions,
} from "./architecture.ts";
import { GpuDictionary } from "./gpuDictionary.ts";
import { metricsFromSums } from "./metrics.ts";

const shaders = loadNodeShaders();
const WINDOW = 3;

interface Case {
  name: string;
  spec: ArchitectureSpec;
  /** Latents whose counters start past the window (dead before the first step). */
  dead: number[];
  seed: number;
  /** Puts exact ties or boundary values into the (float32-exact) parameters before step 1. */
  arrange?: (p: ArchParams, s: ArchitectureSpec) => void;
  /**
   * What `arrange` puts on a decision boundary, left out of the check that the draw keeps away
   * from boundaries: the JumpReLU latents listed, or "all" (ties: no check).
   */
  onBoundary?: number[] | "all";
  /** Batch rows (default 16). */
  rows?: number;
  /** Steps compared (default 3). */
  steps?: number;
  /**
   * Check only the TopK choices that matter (the gap at k and the kinks of the k + 1 largest):
   * with tens of thousands of latents some pre-activation is always near 0 or near another.
   */
  boundaryMargin?: boolean;
}

const shape = (kind: "sae" | "transcoder") => ({
  kind,
  dIn: 12,
  dSae: 40,
  dOut: kind === "sae" ? 12 : 10,
  applyBDecToInput: kind === "sae",
  deadFeatureWindow: WINDOW,
});

const ALL_LATENTS = Array.from({ length: 40 }, (_, j) => j);

/** ε = 1/4 and θ = 1 (log θ = 0): exact in float32 and float64, exp(0) = 1 on both sides. */
const BOUNDARY_BANDWIDTH = 0.25;
/** π of latents 0, 1, 2: θ (in the rectangle, not firing), θ + ε/2 and θ − ε/2 (its edges). */
const AT_THRESHOLD = [1, 1.125, 0.875];

/** W_enc = 0 makes π = b_enc in every row, for latents 0..2 on JumpReLU's boundaries. */
function atThreshold(p: ArchParams, s: ArchitectureSpec): void {
  AT_THRESHOLD.forEach((pi, j) => {
    for (let i = 0; i < s.dIn; i++) p.wEnc[i * s.dSae + j] = 0;
    p.bEnc[j] = pi;
    p.logThreshold![j] = 0;
  });
}

/**
 * Latents 0 and 1 the same in every row (W_enc = 0), far above the rest (h = 20·n and 40·n):
 * with K = 24 of 16 rows, latent 1's 16 entries are kept and the K-th value is latent 0's, tied
 * across the rows, of which the lower row-major indices (rows 0..7) are kept.
 */
function tiedAcrossRows(p: ArchParams, s: ArchitectureSpec): void {
  for (const [j, pi] of [
    [0, 20],
    [1, 40],
  ] as const) {
    for (let i = 0; i < s.dIn; i++) p.wEnc[i * s.dSae + j] = 0;
    p.bEnc[j] = pi;
  }
}

const CASES: Case[] = [
  {
    name: "topk SAE, rescaled, AuxK with 3 dead (k_aux 3, scale 0.5)",
    spec: architectureSpec({ ...shape("sae"), architecture: "topk", k: 5 }),
    dead: [1, 7, 30],
    seed: 11,
  },
  {
    name: "topk skip transcoder, not rescaled, AuxK with 9 dead (k_aux 5, scale 1)",
    spec: architectureSpec({
      ...shape("transcoder"),
      architecture: "topk",
      k: 4,
      rescaleActsByDecoderNorm: false,
      auxLossCoefficient: 0.5,
      skip: true,
    }),
    dead: [0, 2, 3, 9, 14, 20, 21, 33, 39],
    seed: 12,
  },
  {
    name: "batchtopk SAE, k 3.5, AuxK with 2 dead",
    spec: architectureSpec({ ...shape("sae"), architecture: "batchtopk", k: 3.5 }),
    dead: [4, 5],
    seed: 13,
  },
  {
    name: "batchtopk transcoder, no dead latents",
    spec: architectureSpec({ ...shape("transcoder"), architecture: "batchtopk", k: 6 }),
    dead: [],
    seed: 14,
  },
  {
    name: "matryoshka_batchtopk SAE, widths 5,12,40, k 3.5, AuxK with 2 dead",
    spec: architectureSpec({
      ...shape("sae"),
      architecture: "matryoshka_batchtopk",
      k: 3.5,
      matryoshkaWidths: [5, 12, 40],
    }),
    dead: [4, 25],
    seed: 31,
  },
  {
    name: "matryoshka_batchtopk transcoder, widths 1,2,4,8,16,40, not rescaled, 6 dead",
    spec: architectureSpec({
      ...shape("transcoder"),
      architecture: "matryoshka_batchtopk",
      k: 5,
      matryoshkaWidths: [1, 2, 4, 8, 16, 40],
      rescaleActsByDecoderNorm: false,
    }),
    dead: [0, 3, 9, 17, 30, 39],
    seed: 32,
  },
  {
    name: "jumprelu SAE, step L0 and the pre-activation loss on 4 dead",
    spec: architectureSpec({
      ...shape("sae"),
      architecture: "jumprelu",
      jumpreluBandwidth: 0.2,
      l0Coefficient: 0.3,
      preActLossCoefficient: 0.7,
    }),
    dead: [3, 8, 17, 25],
    seed: 15,
  },
  {
    name: "jumprelu skip transcoder, tanh L0",
    spec: architectureSpec({
      ...shape("transcoder"),
      architecture: "jumprelu",
      jumpreluBandwidth: 0.2,
      jumpreluSparsityLossMode: "tanh",
      l0Coefficient: 0.2,
      skip: true,
    }),
    dead: [],
    seed: 16,
  },
  {
    name: "batchtopk over 300 rows (three histogram workgroups, two rows per tie-scan lane)",
    spec: architectureSpec({ ...shape("sae"), architecture: "batchtopk", k: 2.5 }),
    dead: [6],
    seed: 19,
    rows: 300,
    steps: 1,
  },
  {
    name: "topk with d_sae 600 (rows longer than a workgroup), k 20",
    spec: architectureSpec({ ...shape("transcoder"), dSae: 600, architecture: "topk", k: 20 }),
    dead: [3, 100, 599],
    seed: 20,
    rows: 8,
  },
  {
    name: "topk with d_sae 65,536 and k 256 (2-D grids, 256 invocations per row)",
    spec: architectureSpec({
      ...shape("transcoder"),
      dIn: 4,
      dOut: 4,
      dSae: 65536,
      architecture: "topk",
      k: 256,
    }),
    dead: [0, 40000, 65535],
    seed: 21,
    rows: 3,
    steps: 1,
    boundaryMargin: true,
  },
  {
    name: "k = d_sae: topk keeps every latent (a ReLU), AuxK with 3 dead",
    spec: architectureSpec({ ...shape("sae"), architecture: "topk", k: 40 }),
    dead: [1, 7, 30],
    seed: 22,
  },
  {
    name: "k = d_sae: batchtopk keeps every positive entry (int(k·B) = B·d_sae)",
    spec: architectureSpec({ ...shape("transcoder"), architecture: "batchtopk", k: 40 }),
    dead: [],
    seed: 23,
  },
  {
    name: "k > d_sae: batchtopk with int(k·B) beyond the batch keeps every positive entry",
    spec: architectureSpec({ ...shape("sae"), architecture: "batchtopk", k: 52.5 }),
    dead: [8],
    seed: 24,
  },
  {
    name: "all dead: topk SAE, AuxK over every latent (k_aux 6, scale 1)",
    spec: architectureSpec({ ...shape("sae"), architecture: "topk", k: 5 }),
    dead: ALL_LATENTS,
    seed: 25,
  },
  {
    name: "all dead: batchtopk skip transcoder, AuxK over every latent (k_aux 5)",
    spec: architectureSpec({
      ...shape("transcoder"),
      architecture: "batchtopk",
      k: 3,
      skip: true,
    }),
    dead: ALL_LATENTS,
    seed: 26,
  },
  {
    name: "all dead: jumprelu SAE, the pre-activation loss on every latent",
    spec: architectureSpec({
      ...shape("sae"),
      architecture: "jumprelu",
      jumpreluBandwidth: 0.2,
      l0Coefficient: 0.3,
      preActLossCoefficient: 0.7,
    }),
    dead: ALL_LATENTS,
    seed: 27,
  },
  {
    name: "jumprelu SAE with π = θ, θ + ε/2 and θ − ε/2 exactly (step L0, pre-act loss)",
    spec: architectureSpec({
      ...shape("sae"),
      architecture: "jumprelu",
      jumpreluBandwidth: BOUNDARY_BANDWIDTH,
      l0Coefficient: 0.3,
      preActLossCoefficient: 0.7,
    }),
    dead: [0, 6, 13],
    seed: 28,
    arrange: atThreshold,
    onBoundary: AT_THRESHOLD.map((_, j) => j),
  },
  {
    name: "jumprelu skip transcoder with π = θ, θ + ε/2 and θ − ε/2 exactly (tanh L0)",
    spec: architectureSpec({
      ...shape("transcoder"),
      architecture: "jumprelu",
      jumpreluBandwidth: BOUNDARY_BANDWIDTH,
      jumpreluSparsityLossMode: "tanh",
      l0Coefficient: 0.2,
      skip: true,
    }),
    dead: [],
    seed: 29,
    arrange: atThreshold,
    onBoundary: AT_THRESHOLD.map((_, j) => j),
  },
  {
    name: "ties: topk and AuxK (8 dead, k_aux 6) keep the lower indices",
    spec: architectureSpec({ ...shape("sae"), architecture: "topk", k: 5 }),
    dead: [2, 5, 9, 11, 20, 21, 30, 35],
    seed: 17,
    arrange: tie,
    onBoundary: "all",
    steps: 1,
  },
  {
    name: "ties: batchtopk keeps the lower row-major indices (int(0.5 · 16) = 8 of row 0)",
    spec: architectureSpec({ ...shape("transcoder"), architecture: "batchtopk", k: 0.5 }),
    dead: [],
    seed: 18,
    arrange: tie,
    onBoundary: "all",
    steps: 1,
  },
  {
    name: "ties across rows: batchtopk's K-th value is latent 0 in every row (K = 24: rows 0..7)",
    spec: architectureSpec({ ...shape("sae"), architecture: "batchtopk", k: 1.5 }),
    dead: [],
    seed: 30,
    arrange: tiedAcrossRows,
    onBoundary: "all",
    steps: 1,
  },
];

/** W_enc = 0, b_enc = 0.3 and one W_dec row for all: every latent has the same h in a row. */
function tie(p: ArchParams, s: ArchitectureSpec): void {
  p.wEnc.fill(0);
  p.bEnc.fill(0.3);
  for (let j = 1; j < s.dSae; j++) p.wDec.copyWithin(j * s.dOut, 0, s.dOut);
}

function optionsOf(s: ArchitectureSpec): ArchitectureOptions {
  const { kind: _k, dIn: _i, dSae: _f, dOut: _o, applyBDecToInput: _a, skip: _s, ...rest } = s;
  const { deadFeatureWindow: _w, ...options } = rest;
  return architectureOptions(options);
}

function dictionarySpec(s: ArchitectureSpec, a: ArchitectureOptions): DictionarySpec {
  return {
    kind: s.kind,
    dIn: s.dIn,
    dSae: s.dSae,
    dOut: s.dOut,
    applyBDecToInput: s.applyBDecToInput,
    hookName: "in",
    hookNameOut: s.kind === "sae" ? "in" : "out",
    modelName: "test",
    normalizeActivations: "none",
    activation: exportedActivation(a),
    skip: s.skip,
  };
}

const f32 = (a: Float64Array) => Float32Array.from(a);
const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));

function toGpuParams(p: ArchParams): DictionaryParams {
  return {
    wEnc: f32(p.wEnc),
    bEnc: f32(p.bEnc),
    wDec: f32(p.wDec),
    bDec: f32(p.bDec),
    ...(p.logThreshold ? { threshold: Float32Array.from(p.logThreshold, Math.exp) } : {}),
    ...(p.wSkip ? { wSkip: f32(p.wSkip) } : {}),
  };
}

/** The GPU's gradients under the reference's names (threshold holds dL/dlog θ). */
function gpuGradient(g: DictionaryParams, name: keyof ArchParams): Float32Array {
  const byName = {
    wEnc: g.wEnc,
    bEnc: g.bEnc,
    wDec: g.wDec,
    bDec: g.bDec,
    logThreshold: g.threshold,
    wSkip: g.wSkip,
  };
  return byName[name]!;
}

/** TopK's distance to flipping at the k-th largest h of each row (AuxK's 2-of-3 choice is far). */
function topkBoundaryMargin(s: ArchitectureSpec, hidden: Float64Array, rows: number): number {
  let m = Infinity;
  for (let b = 0; b < rows; b++) {
    const top = Array.from(hidden.subarray(b * s.dSae, (b + 1) * s.dSae))
      .sort((x, y) => y - x)
      .slice(0, s.k + 1);
    m = Math.min(m, top[s.k - 1]! - top[s.k]!, ...top.map(Math.abs));
  }
  return m;
}

/** Distance of JumpReLU's choices to flipping, the rectangle's edges included. */
function jumpMargin(
  s: ArchitectureSpec,
  hidden: Float64Array,
  theta: Float64Array,
  skip: readonly number[],
): number {
  let m = Infinity;
  hidden.forEach((v, e) => {
    if (skip.includes(e % s.dSae)) return;
    const d = Math.abs(v - theta[e % s.dSae]!);
    m = Math.min(m, d, Math.abs(d - s.jumpreluBandwidth / 2));
  });
  return m;
}

/** The case's parameters before step 1, float32-exact, arranged. */
function startParams(c: Case, problem: Problem): ArchParams {
  const s = c.spec;
  const p: ArchParams = {
    wEnc: round(problem.params.wEnc),
    bEnc: round(problem.params.bEnc),
    wDec: round(problem.params.wDec),
    bDec: round(problem.params.bDec),
  };
  if (problem.params.logThreshold) {
    p.logThreshold = Float64Array.from(f32(problem.params.logThreshold.map(Math.exp)), (t) =>
      Math.log(t),
    );
  }
  // A skip transcoder starts from W_skip = 0 in SAELens; a non-zero one tests its gradient path.
  if (problem.params.wSkip) p.wSkip = round(problem.params.wSkip);
  c.arrange?.(p, s);
  return p;
}

async function runCase(c: Case, rows: number, steps: number): Promise<void> {
  const { device } = await testDevice();
  const s = c.spec;
  const a = optionsOf(s);
  const problem = drawProblem(s, rows * steps, c.seed);
  const p = startParams(c, problem);
  const state: ArchTrainerState = initTrainerState(s);
  for (const j of c.dead) state.nForwardPassesSinceFired[j] = WINDOW + 2;

  const gpu = new GpuDictionary(device, shaders, dictionarySpec(s, a), rows, a);
  gpu.setParams(toGpuParams(p));
  gpu.resetOptimizer();
  const gpuState = await gpu.readState();
  gpuState.firing.set(Uint32Array.from(state.nForwardPassesSinceFired));
  gpu.writeState(gpuState);
  const lr = 3e-3;
  let sawDead = 0;
  for (let step = 1; step <= steps; step++) {
    const x = round(problem.x.subarray((step - 1) * rows * s.dIn, step * rows * s.dIn));
    const y =
      s.kind === "sae"
        ? x
        : round(problem.y.subarray((step - 1) * rows * s.dOut, step * rows * s.dOut));
    const dead = deadMask(s, state);
    sawDead += dead.reduce((t, v) => t + v, 0);
    const fw = forward(s, p, x, y, rows, { deadMask: dead });
    const onBoundary = c.onBoundary ?? [];
    const margin =
      s.architecture === "jumprelu"
        ? jumpMargin(s, fw.hiddenPre, fw.threshold!, onBoundary === "all" ? [] : onBoundary)
        : c.boundaryMargin
          ? topkBoundaryMargin(s, fw.hiddenPre, rows)
          : decisionMargin(s, fw, dead);
    if (onBoundary !== "all") {
      expect(margin, `step ${step}: the draw has a near-tie`).toBeGreaterThan(2e-5);
    }
    if (selectsOverBatch(s)) updateTopkThreshold(s, state, fw.featureActs);
    updateFiredCounters(s, state, fw.featureActs);
    const grads = gradients(s, p, fw, x, y, rows, dead);

    gpu.uploadBatch(f32(x), s.kind === "sae" ? undefined : f32(y));
    gpu.step(
      {
        l1Coefficient: s.l0Coefficient,
        lr,
        adamStep: step,
        sIn: 1,
        sOut: 1,
        deadFeatureWindow: WINDOW,
      },
      true,
    );
    const sums = await gpu.readBatchSums();
    const m = metricsFromSums(sums, rows, step, lr, s.l0Coefficient, a);
    const what = (key: string) => `${c.name}, step ${step}: ${key}`;
    expect(m.l0, what("l0")).toBe(fw.l0);
    expect(m.mse_loss / fw.losses.mse_loss, what("mse_loss")).toBeCloseTo(1, 5);
    const inner = (fw.inner ?? []).map((l) => `inner_mse_loss_${l.width}` as const);
    expect(Object.keys(m).filter((key) => key.startsWith("inner_mse_loss_"))).toEqual(inner);
    for (const key of ["auxiliary_reconstruction_loss", "l0_loss", "pre_act_loss", ...inner]) {
      const want = fw.losses[key as keyof typeof fw.losses];
      if (want === undefined) continue;
      const got = m[key as keyof typeof m] as number;
      expect(Math.abs(got - want), what(key)).toBeLessThan(1e-5 * Math.max(1, want));
    }
    expect(Math.abs(m.loss - fw.loss), what("loss")).toBeLessThan(1e-5 * Math.max(1, fw.loss));
    const gpuGrads = await gpu.readGradients();
    for (const name of Object.keys(grads) as (keyof ArchParams)[]) {
      const err = scaledError(gpuGradient(gpuGrads, name), grads[name]!);
      expect(err, what(`gradient ${name}`)).toBeLessThan(5e-5);
    }
    const norm = clipGradNorm(s, grads, 1);
    expect(sums.gradNorm / norm, what("grad_norm")).toBeCloseTo(1, 5);
    adamUpdate(s, p, grads, state, lr);
    const after = await gpu.readParams();
    const afterState = await gpu.readState();
    expect(Array.from(afterState.firing.subarray(0, s.dSae)), what("counters")).toEqual(
      Array.from(state.nForwardPassesSinceFired),
    );
    if (selectsOverBatch(s)) {
      expect(state.topkThreshold).toBeGreaterThan(0);
      // τ follows the smallest kept h, near 0 when every positive entry is kept: besides 1e-5
      // relative, allow float32's error on h's scale (~1e-7·max|h| per step, weighted by lr).
      const tauTol =
        1e-5 * state.topkThreshold + 1e-6 * s.topkThresholdLr * step * maxAbs(fw.hiddenPre);
      expect(Math.abs(sums.topkThreshold! - state.topkThreshold), what("τ")).toBeLessThan(tauTol);
      expect(after.threshold![0]).toBe(sums.topkThreshold);
    }
    const want = toGpuParams(p);
    for (const key of Object.keys(want) as (keyof DictionaryParams)[]) {
      expect(scaledError(after[key]!, want[key]!), what(`param ${key}`)).toBeLessThan(2e-5);
    }
  }
  expect(sawDead > 0).toBe(c.dead.length > 0);
  gpu.destroy();
}

function caseNamed(prefix: string): Case {
  const c = CASES.find((c) => c.name.startsWith(prefix));
  if (!c) throw new Error(`no case ${prefix}`);
  return c;
}

/** The reference's first step of a case: its forward and its gradients. */
function firstStep(c: Case) {
  const s = c.spec;
  const rows = c.rows ?? 16;
  const problem = drawProblem(s, rows * (c.steps ?? 3), c.seed);
  const p = startParams(c, problem);
  const x = round(problem.x.subarray(0, rows * s.dIn));
  const y = s.kind === "sae" ? x : round(problem.y.subarray(0, rows * s.dOut));
  const dead = new Uint8Array(s.dSae);
  for (const j of c.dead) dead[j] = 1;
  const fw = forward(s, p, x, y, rows, { deadMask: dead });
  return { fw, grads: gradients(s, p, fw, x, y, rows, dead) };
}

const fired = (f: Float64Array) => [...f.keys()].filter((e) => f[e] !== 0);

describe("the awkward cases are what they say (float64 reference, first step)", () => {
  it("the tied BatchTopK case keeps latents 0..7 of row 0", () => {
    const { fw } = firstStep(caseNamed("ties: batchtopk"));
    expect(fired(fw.featureActs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("ties across rows: BatchTopK keeps latent 1 in every row and latent 0 in rows 0..7", () => {
    const { fw } = firstStep(caseNamed("ties across rows"));
    const want = Array.from({ length: 16 }, (_, b) =>
      b < 8 ? [b * 40, b * 40 + 1] : [b * 40 + 1],
    );
    expect(fired(fw.featureActs)).toEqual(want.flat());
  });

  it("k ≥ d_sae keeps every positive entry", () => {
    for (const prefix of ["k = d_sae: topk", "k = d_sae: batchtopk", "k > d_sae"]) {
      const { fw } = firstStep(caseNamed(prefix));
      expect(Array.from(fw.featureActs), prefix).toEqual(
        Array.from(fw.hiddenPre, (v) => Math.max(v, 0)),
      );
      expect(fw.l0, prefix).toBeGreaterThan(5);
    }
  });

  it("JumpReLU at θ: latent 0 has π = θ, fires nowhere and alone gets θ's gradient", () => {
    for (const prefix of ["jumprelu SAE with π = θ", "jumprelu skip transcoder with π = θ"]) {
      const c = caseNamed(prefix);
      const { fw, grads } = firstStep(c);
      const column = (j: number) =>
        Array.from({ length: 16 }, (_, b) => fw.featureActs[b * 40 + j]);
      expect(fw.threshold!.subarray(0, 3), prefix).toEqual(Float64Array.of(1, 1, 1));
      expect(column(0), prefix).toEqual(new Array(16).fill(0));
      expect(column(1), prefix).toEqual(new Array(16).fill(1.125));
      expect(column(2), prefix).toEqual(new Array(16).fill(0));
      const dLogTheta = grads.logThreshold!;
      expect(Math.abs(dLogTheta[0]!), prefix).toBeGreaterThan(1e-3);
      expect([Math.abs(dLogTheta[1]!), Math.abs(dLogTheta[2]!)], prefix).toEqual([0, 0]);
    }
  });
});

describe("GPU training of TopK, BatchTopK and JumpReLU against the float64 references", () => {
  // Adam's first steps move every coordinate by about ±lr, which can make or break exact ties
  // differently in float32 and float64: the tied cases check the first step's choices.
  for (const c of CASES) it(c.name, () => runCase(c, c.rows ?? 16, c.steps ?? 3));
});

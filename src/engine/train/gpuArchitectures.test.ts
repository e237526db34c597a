/**
 * The TopK, BatchTopK and JumpReLU training kernels against the float64 references
 * (src/engine/reference/architecture*.ts): per step the loss terms, L0, the gradients of every
 * parameter (AuxK with no, few and many dead latents; the pre-activation loss; skip
 * connections), τ and the counters, over three steps of clipping and Adam; and the selections'
 * tie-breaking.
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
  type ArchitectureSpec,
  type ArchParams,
} from "../reference/architectureSpec.ts";
import { decisionMargin, drawProblem, scaledError } from "../reference/architectureTestUtils.ts";
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
  /** Every latent the same (W_enc = 0, equal b_enc and W_dec rows): all selections are ties. */
  ties?: boolean;
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
    name: "ties: topk and AuxK (8 dead, k_aux 6) keep the lower indices",
    spec: architectureSpec({ ...shape("sae"), architecture: "topk", k: 5 }),
    dead: [2, 5, 9, 11, 20, 21, 30, 35],
    seed: 17,
    ties: true,
    steps: 1,
  },
  {
    name: "ties: batchtopk keeps the lower row-major indices (int(0.5 · 16) = 8 of row 0)",
    spec: architectureSpec({ ...shape("transcoder"), architecture: "batchtopk", k: 0.5 }),
    dead: [],
    seed: 18,
    ties: true,
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
function jumpMargin(s: ArchitectureSpec, hidden: Float64Array, theta: Float64Array): number {
  let m = Infinity;
  hidden.forEach((v, e) => {
    const d = Math.abs(v - theta[e % s.dSae]!);
    m = Math.min(m, d, Math.abs(d - s.jumpreluBandwidth / 2));
  });
  return m;
}

async function runCase(c: Case, rows: number, steps: number): Promise<void> {
  const { device } = await testDevice();
  const s = c.spec;
  const a = optionsOf(s);
  const problem = drawProblem(s, rows * steps, c.seed);
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
  if (c.ties) tie(p, s);
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
    const margin =
      s.architecture === "jumprelu"
        ? jumpMargin(s, fw.hiddenPre, fw.threshold!)
        : c.boundaryMargin
          ? topkBoundaryMargin(s, fw.hiddenPre, rows)
          : decisionMargin(s, fw, dead);
    if (!c.ties) expect(margin, `step ${step}: the draw has a near-tie`).toBeGreaterThan(2e-5);
    if (s.architecture === "batchtopk") updateTopkThreshold(s, state, fw.featureActs);
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
    for (const key of ["auxiliary_reconstruction_loss", "l0_loss", "pre_act_loss"] as const) {
      const want = fw.losses[key];
      if (want === undefined) continue;
      expect(Math.abs(m[key]! - want), what(key)).toBeLessThan(1e-5 * Math.max(1, want));
    }
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
    if (s.architecture === "batchtopk") {
      expect(state.topkThreshold).toBeGreaterThan(0);
      expect(sums.topkThreshold! / state.topkThreshold, what("τ")).toBeCloseTo(1, 5);
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

it("the tied BatchTopK case keeps latents 0..7 of row 0 on its first step", async () => {
  const s = CASES.at(-1)!.spec;
  const p = drawProblem(s, 16, 1).params;
  tie(p, s);
  const fw = forward(s, p, drawProblem(s, 16, 2).x, drawProblem(s, 16, 2).y, 16, {
    deadMask: new Uint8Array(s.dSae),
  });
  const fired = [...fw.featureActs.keys()].filter((e) => fw.featureActs[e] !== 0);
  expect(fired).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
});

describe("GPU training of TopK, BatchTopK and JumpReLU against the float64 references", () => {
  // Adam's first steps move every coordinate by about ±lr, which can make or break exact ties
  // differently in float32 and float64: the tied cases check the first step's choices.
  for (const c of CASES) it(c.name, () => runCase(c, c.rows ?? 16, c.steps ?? 3));
});

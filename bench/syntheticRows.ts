/**
 * The five dictionaries of bench/synthetic.ts, each with SynthSAEBench's training settings
 * (synth-sae-bench-experiments experiments/sweeps/common.py; ../shared/reference/synthetic.md
 * §4 "Training"), scaled from its 200M samples (~195,000 steps of 1,024) to a few hundred steps:
 *
 * - every architecture: Adam at a constant lr, no lr warm-up, SAELens's clipping (§4);
 * - BatchTopK and Matryoshka BatchTopK: k, SAELens's defaults (decoder rows at norm 0.1);
 *   Matryoshka widths [128, 512, 2048] + d_sae of 4096, scaled by the width (§5);
 * - TopK: the same k (not in the published table);
 * - Standard L1: l1_coefficient 2 warmed up over the first third of training, then the L0
 *   autotuner toward k (get_standard_config);
 * - JumpReLU: the tanh sparsity loss (scale 4), bandwidth 2, decoder rows at norm 0.5, the L0
 *   autotuner toward k from step 0 (get_jumprelu_config); θ starts at --jumprelu-threshold
 *   (SynthSAEBench: 0.5, see bench/synthetic.ts). SynthSAEBench also normalises its input (expected_average_only_in)
 *   and adds a TopK-style AuxK loss; our JumpReLU trainer has no AuxK, and small-2k's inputs
 *   are already near √d in norm, so neither is applied here.
 */
import { dictionarySeed } from "../src/engine/stream/dictionarySeed.ts";
import type { SyntheticDictionaryPlan } from "../src/engine/stream/syntheticSession.ts";
import { DECODER_INIT_NORM, initDictionary } from "../src/engine/dictionary/init.ts";
import type { DictionaryParams } from "../src/engine/dictionary/spec.ts";
import { architectureOptions, type ArchitectureOptions } from "../src/engine/train/architecture.ts";
import { SYNTHSAEBENCH_AUTOTUNER, type L0AutotunerConfig } from "./syntheticL0Autotuner.ts";

export type RowId = "matryoshka" | "batchtopk" | "topk" | "jumprelu" | "standard";

export interface BenchRow {
  id: RowId;
  title: string;
  plan: SyntheticDictionaryPlan;
  /** Standard L1 and JumpReLU: steer the sparsity coefficient onto L0 = k. */
  autotune?: { config: L0AutotunerConfig; baseCoefficient: number; coefficient: "l1" | "l0" };
}

export interface BenchSettings {
  width: number;
  hiddenDim: number;
  steps: number;
  lr: number;
  k: number;
  seed: number;
  /** Steps without firing after which a latent is dead (AuxK's candidates). */
  deadWindow: number;
  /** Standard's initial L1 coefficient and JumpReLU's initial L0 coefficient. */
  l1: number;
  l0: number;
  /** JumpReLU's initial threshold θ (SynthSAEBench: 0.5). */
  jumpreluThreshold: number;
}

export const ROW_IDS: readonly RowId[] = [
  "matryoshka",
  "batchtopk",
  "topk",
  "jumprelu",
  "standard",
];

/**
 * SynthSAEBench's autotuner acts over ~195,000 steps (Ki 3e-4, an L0 average over ~100 steps);
 * over a hundred-odd steps it must act a thousand times faster: it smooths over ~2 updates and
 * moves the multiplier by up to 10% per update. At 30% both L0s swung (150 steps): Standard's
 * between 5 and 13, JumpReLU's from 26 to 0.5 and back, as its L0 follows the coefficient ~30
 * steps late (θ is learnt in log space, so Adam moves it by at most a factor e^lr a step).
 */
const SCALED_AUTOTUNER = {
  ...SYNTHSAEBENCH_AUTOTUNER,
  smoothing: 0.5,
  rateSmoothing: 0.5,
  integralGain: 0.1,
  convergenceGain: 0.1,
};

export function benchRows(s: BenchSettings, ids: readonly RowId[] = ROW_IDS): BenchRow[] {
  const matryoshkaWidths = [s.width / 32, s.width / 8, s.width / 2, s.width];
  const tuner = (base: typeof SCALED_AUTOTUNER, startStep: number): L0AutotunerConfig => ({
    ...base,
    targetL0: s.k,
    startStep,
  });
  const third = Math.floor(s.steps / 3);
  const all: Record<
    RowId,
    Omit<BenchRow, "plan"> & { architecture: Partial<ArchitectureOptions> }
  > = {
    matryoshka: {
      id: "matryoshka",
      title: "Matryoshka",
      architecture: { architecture: "matryoshka_batchtopk", k: s.k, matryoshkaWidths },
    },
    batchtopk: {
      id: "batchtopk",
      title: "BatchTopK",
      architecture: { architecture: "batchtopk", k: s.k },
    },
    topk: { id: "topk", title: "TopK", architecture: { architecture: "topk", k: s.k } },
    jumprelu: {
      id: "jumprelu",
      title: "JumpReLU",
      architecture: {
        architecture: "jumprelu",
        l0Coefficient: s.l0,
        jumpreluSparsityLossMode: "tanh",
        jumpreluTanhScale: 4,
        jumpreluBandwidth: 2,
        jumpreluInitThreshold: s.jumpreluThreshold,
      },
      autotune: { config: tuner(SCALED_AUTOTUNER, 0), baseCoefficient: s.l0, coefficient: "l0" },
    },
    standard: {
      id: "standard",
      title: "Standard L1",
      architecture: { architecture: "standard" },
      autotune: {
        config: tuner(SCALED_AUTOTUNER, third),
        baseCoefficient: s.l1,
        coefficient: "l1",
      },
    },
  };
  return ids.map((id) => {
    const { architecture, ...row } = all[id];
    const options = architectureOptions(architecture);
    const seed = dictionarySeed(s.seed, id);
    const plan: SyntheticDictionaryPlan = {
      id,
      kind: "sae",
      dSae: s.width,
      seed,
      normalize: "none",
      applyBDecToInput: true,
      schedule: {
        totalSteps: s.steps,
        lr: s.lr,
        lrWarmUpSteps: 0,
        lrDecaySteps: 0,
        l1Coefficient: s.l1,
        l1WarmUpSteps: id === "standard" ? third : 0,
      },
      deadFeatureWindow: s.deadWindow,
      featureSamplingWindow: 0,
      architecture: options,
      ...(id === "jumprelu" ? { init: jumpReluInit(s, seed, options) } : {}),
    };
    return { ...row, plan };
  });
}

const JUMPRELU_DECODER_INIT_NORM = 0.5;

/** SAELens's initialisation with decoder_init_norm 0.5 (W_enc = W_decᵀ) and θ everywhere. */
function jumpReluInit(s: BenchSettings, seed: number, a: ArchitectureOptions): DictionaryParams {
  const dims = { dIn: s.hiddenDim, dSae: s.width, dOut: s.hiddenDim };
  const p = initDictionary(dims, seed);
  const scale = JUMPRELU_DECODER_INIT_NORM / DECODER_INIT_NORM;
  for (const w of [p.wEnc, p.wDec]) for (let i = 0; i < w.length; i++) w[i]! *= scale;
  p.threshold = new Float32Array(s.width).fill(a.jumpreluInitThreshold);
  return p;
}

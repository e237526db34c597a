/**
 * How a dictionary is trained (architectures.md): SAELens's training architectures with their
 * hyperparameters under SAELens's names, camel-cased, and its v6.18 defaults. The dictionary is
 * spec.ts's DictionarySpec: its `activation` says what the trained dictionary computes once
 * exported (exportedActivation), its `skip` whether a transcoder has a skip connection.
 */
import { initDictionary } from "../dictionary/init.ts";
import {
  matryoshkaWidthsProblem,
  resolveMatryoshkaWidths,
} from "../dictionary/matryoshkaWidths.ts";
import type { ThresholdStorage } from "../dictionary/layout.ts";
import {
  activationOf,
  type Activation,
  type DictionaryParams,
  type DictionarySpec,
} from "../dictionary/spec.ts";
import { MAX_TOPK } from "../eval/gpuTopkRows.ts";
import {
  ARCHITECTURE_DEFAULTS,
  type ArchitectureSpec,
  type TrainingArchitecture,
} from "../reference/architectureSpec.ts";

export type ArchitectureName = "standard" | TrainingArchitecture;
export const ARCHITECTURE_NAMES: readonly ArchitectureName[] = [
  "standard",
  "topk",
  "batchtopk",
  "matryoshka_batchtopk",
  "jumprelu",
];

/** Hyperparameters of every architecture; each reads its own (the L1 coefficient is the schedule's). */
export type ArchitectureOptions = Omit<
  ArchitectureSpec,
  | "kind"
  | "dIn"
  | "dSae"
  | "dOut"
  | "applyBDecToInput"
  | "architecture"
  | "skip"
  | "deadFeatureWindow"
> & { architecture: ArchitectureName };

/** SAELens's defaults for whatever `input` leaves out (standard unless it names another). */
export function architectureOptions(input: Partial<ArchitectureOptions> = {}): ArchitectureOptions {
  const { skip: _skip, deadFeatureWindow: _window, ...defaults } = ARCHITECTURE_DEFAULTS;
  return { architecture: "standard", ...defaults, ...input };
}

export const STANDARD: ArchitectureOptions = architectureOptions();

/** BatchTopK and Matryoshka BatchTopK: the top ⌊k·B⌋ of the batch, the running threshold τ. */
export function selectsOverBatch(a: Pick<ArchitectureOptions, "architecture">): boolean {
  return a.architecture === "batchtopk" || a.architecture === "matryoshka_batchtopk";
}

/** The architectures whose k is latents per row (per row on average over a batch). */
export function readsK(a: Pick<ArchitectureOptions, "architecture">): boolean {
  return a.architecture === "topk" || selectsOverBatch(a);
}

/** The TopK family selects and decodes on pre·‖W_dec[j]‖ (rescale_acts_by_decoder_norm). */
export function rescales(a: ArchitectureOptions): boolean {
  return readsK(a) && a.rescaleActsByDecoderNorm;
}

export function hasAuxK(a: ArchitectureOptions): boolean {
  return readsK(a);
}

/** matryoshka_batchtopk's widths for d_sae (the default ladder for an empty list); else none. */
export function matryoshkaWidthsOf(a: ArchitectureOptions, dSae: number): number[] {
  if (a.architecture !== "matryoshka_batchtopk") return [];
  return resolveMatryoshkaWidths(a.matryoshkaWidths, dSae);
}

/** BatchTopK keeps int(k·B) latents per batch. */
export function batchK(a: ArchitectureOptions, batchSize: number): number {
  return Math.trunc(a.k * batchSize);
}

/**
 * What the trained dictionary computes once saved (SAELens's save_inference_model): TopK stays
 * TopK (its decoder norms folded in); BatchTopK and Matryoshka BatchTopK become a JumpReLU
 * with threshold τ; JumpReLU
 * applies a ReLU at inference, which changes nothing for θ > 0.
 */
export function exportedActivation(a: ArchitectureOptions): Activation {
  if (a.architecture === "standard") return { kind: "relu" };
  if (a.architecture === "topk") return { kind: "topk", k: a.k };
  return { kind: "jumprelu", relu: true };
}

const THRESHOLD_STORAGE: Record<ArchitectureName, ThresholdStorage> = {
  standard: "none",
  topk: "none",
  batchtopk: "scalar",
  matryoshka_batchtopk: "scalar",
  jumprelu: "log",
};

export function thresholdStorage(a: ArchitectureOptions): ThresholdStorage {
  return THRESHOLD_STORAGE[a.architecture];
}

/** Refuses what cannot train, saying why. */
export function checkArchitecture(
  spec: DictionarySpec,
  a: ArchitectureOptions,
  batchSize: number,
): void {
  const act = activationOf(spec);
  const want = exportedActivation(a);
  if (act.kind !== want.kind || (act.kind === "topk" && want.kind === "topk" && act.k !== want.k)) {
    throw new Error(
      `a ${a.architecture} dictionary is saved with activation ${JSON.stringify(want)}; the spec says ${JSON.stringify(act)}`,
    );
  }
  if (spec.skip && spec.kind !== "transcoder") {
    throw new Error("only a transcoder has a skip connection");
  }
  if (a.architecture === "topk" && !(Number.isInteger(a.k) && a.k >= 1 && a.k <= spec.dSae)) {
    throw new Error(`topk: k must be an integer in 1..d_sae (${spec.dSae}), got ${a.k}`);
  }
  if (a.architecture === "topk" && a.k > MAX_TOPK) {
    throw new Error(`topk: k = ${a.k} is above ${MAX_TOPK}, the most the TopK kernels take`);
  }
  if (selectsOverBatch(a) && !(batchK(a, batchSize) >= 1)) {
    throw new Error(
      `${a.architecture}: k·batch must be at least 1 (k = ${a.k}, batch ${batchSize})`,
    );
  }
  if (a.architecture === "matryoshka_batchtopk") {
    if (spec.skip) throw new Error("matryoshka_batchtopk: a skip transcoder is not supported");
    const problem =
      a.matryoshkaWidths.length === 0
        ? undefined
        : matryoshkaWidthsProblem(a.matryoshkaWidths, spec.dSae);
    if (problem !== undefined) throw new Error(`matryoshka_batchtopk: ${problem}`);
  }
  if (hasAuxK(a) && spec.dOut < 2) {
    throw new Error("AuxK needs d_out >= 2 (k_aux = ⌊d_out / 2⌋)");
  }
  if (a.architecture === "jumprelu" && !(a.jumpreluBandwidth > 0 && a.jumpreluInitThreshold > 0)) {
    throw new Error("jumprelu: the bandwidth and the initial threshold must be > 0");
  }
  if (batchSize >= 2 ** 28) throw new Error(`batch ${batchSize} is too large (2^28 rows at most)`);
}

/**
 * SAELens's initialisation, seeded: init.ts's weights, θ = jumprelu_init_threshold for every
 * latent, W_skip = 0 (BatchTopK's τ starts at 0).
 */
export function initialParams(
  spec: DictionarySpec,
  a: ArchitectureOptions,
  seed: number,
): DictionaryParams {
  const p: DictionaryParams = initDictionary(spec, seed);
  if (a.architecture === "jumprelu") {
    p.threshold = new Float32Array(spec.dSae).fill(a.jumpreluInitThreshold);
  }
  if (spec.skip) p.wSkip = new Float32Array(spec.dOut * spec.dIn);
  return p;
}

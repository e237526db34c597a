import { MAX_TOPK } from "../../engine/eval/gpuTopkRows.ts";
import type {
  StreamArchitecture,
  StreamDictionaryConfig,
  StreamRunConfig,
} from "../../worker/protocol.ts";

/**
 * The default pair compares like with like: both kinds TopK at the same k, so they sit at the
 * same L0 (k per token), and a sparse one: 8 is 6% of the built-in model's d_model (128). With
 * the old ReLU + L1 0.3 default both ended dense (L0 138-186, over the width) and at different
 * sparsities, so their ce_loss_scores could not be compared. The L1 coefficient stays for a
 * switch back to standard.
 */
const SPARSE_PAIR = {
  architecture: "topk",
  k: 8,
  l1Coefficient: 0.3,
  lr: 3e-3,
} as const satisfies Partial<StreamDictionaryConfig>;

/** Sized for a real GPU. */
export const GPU_DEFAULTS: StreamRunConfig = {
  layer: 3,
  dictionaries: [
    { id: "sae", kind: "sae", site: "hook_mlp_out", dSae: 2048, ...SPARSE_PAIR },
    { id: "transcoder", kind: "transcoder", dSae: 2048, ...SPARSE_PAIR },
  ],
  batchSize: 1024,
  steps: 1000,
  seed: 0,
  logEvery: 10,
  processing: true,
  normalize: "expected_average_only_in",
  evalSequences: 64,
  liveEvalEvery: 0,
};

/**
 * Sized for a software adapter (SwiftShader, ~100x slower): a run that shows curves within
 * seconds and finishes, evaluated, within about two minutes (the newcomer's goal). On a 2-core
 * machine 150 steps took 173 s and 100 steps 146 s (first curves at 18 s, then about 1.1 s a
 * step, the final evaluation last), so 60.
 */
export const SOFTWARE_DEFAULTS: StreamRunConfig = {
  ...GPU_DEFAULTS,
  dictionaries: [
    { id: "sae", kind: "sae", site: "hook_mlp_out", dSae: 512, ...SPARSE_PAIR },
    { id: "transcoder", kind: "transcoder", dSae: 512, ...SPARSE_PAIR },
  ],
  batchSize: 128,
  steps: 60,
  logEvery: 5,
  evalSequences: 4,
};

/** The architectures the Train view offers, with their labels. */
export const ARCHITECTURE_LABELS: Record<StreamArchitecture, string> = {
  standard: "Standard (ReLU + L1)",
  topk: "TopK",
  batchtopk: "BatchTopK",
  matryoshka_batchtopk: "Matryoshka BatchTopK",
  jumprelu: "JumpReLU",
};
export const STREAM_ARCHITECTURES = Object.keys(ARCHITECTURE_LABELS) as StreamArchitecture[];

/** TopK / BatchTopK: latents per token when the page has none (SAELens's default is 100). */
export const DEFAULT_K = 32;

/**
 * JumpReLU's l0_coefficient when the page has none. SAELens's default is 1.0, tuned against its
 * MSE summed over d_in for GPT-2 small and larger (d_in 768+); this model's d_model is 128, so
 * the reconstruction term it trades against is ~6x smaller, and 1.0 would drive L0 toward zero.
 * 0.1 is that ratio rounded down (a starting point, not a measured optimum).
 */
export const DEFAULT_L0_COEFFICIENT = 0.1;

/** The largest k: d_sae, and for TopK the most its kernels take. */
export function maxK(architecture: StreamArchitecture, dSae: number): number {
  return architecture === "topk" ? Math.min(dSae, MAX_TOPK) : dSae;
}

/** Whether the architecture reads k, the L1 coefficient, the L0 coefficient. */
export const readsK = (a: StreamArchitecture | undefined) =>
  a === "topk" || a === "batchtopk" || a === "matryoshka_batchtopk";
export const readsWidths = (a: StreamArchitecture | undefined) => a === "matryoshka_batchtopk";
export const readsL1 = (a: StreamArchitecture | undefined) => (a ?? "standard") === "standard";
export const readsL0 = (a: StreamArchitecture | undefined) => a === "jumprelu";

/** A dictionary's architecture and the setting it reads, in a few words: "TopK k 4", "JumpReLU L0 coef 0.1, skip". */
export function describeArchitecture(d: StreamDictionaryConfig): string {
  const a = d.architecture ?? "standard";
  const sparsity = readsK(a)
    ? `${ARCHITECTURE_LABELS[a]} k ${d.k ?? DEFAULT_K}`
    : readsL0(a)
      ? `${ARCHITECTURE_LABELS[a]} L0 coef ${d.l0Coefficient ?? DEFAULT_L0_COEFFICIENT}`
      : `ReLU L1 ${d.l1Coefficient}`;
  return d.kind === "transcoder" && d.skip ? `${sparsity}, skip` : sparsity;
}

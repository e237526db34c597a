import type { StreamRunConfig } from "../../worker/protocol.ts";

/** Sized for a real GPU. */
export const GPU_DEFAULTS: StreamRunConfig = {
  layer: 1,
  dictionaries: [
    { kind: "sae", site: "hook_mlp_out", dSae: 2048, l1Coefficient: 0.3, lr: 3e-3 },
    { kind: "transcoder", dSae: 2048, l1Coefficient: 0.3, lr: 3e-3 },
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
 * seconds and finishes, evaluated, within a few minutes.
 */
export const SOFTWARE_DEFAULTS: StreamRunConfig = {
  ...GPU_DEFAULTS,
  dictionaries: [
    { kind: "sae", site: "hook_mlp_out", dSae: 512, l1Coefficient: 0.3, lr: 3e-3 },
    { kind: "transcoder", dSae: 512, l1Coefficient: 0.3, lr: 3e-3 },
  ],
  batchSize: 128,
  steps: 150,
  logEvery: 5,
  evalSequences: 4,
};

/**
 * The ground truth of a synthetic model as files, so that anyone can recompute the metrics
 * (e.g. SciPy's linear_sum_assignment on |cos|) without this code. Layout of the folder:
 *
 *   synthetic_model_config.json   SAELens's SyntheticModelConfig.to_dict().
 *   synthetic_model.safetensors   As SAELens's SyntheticModel.save writes it, float32:
 *     feature_vectors [N, hidden_dim]   the true input directions u_i (unit rows)
 *     bias [hidden_dim]                 b (zeros without a bias)
 *     firing_probabilities [N]          p_i as drawn (after hierarchy compensation)
 *     correlation_factor [N, rank], correlation_diag [N]   with a correlation only
 *   hierarchy.json                SAELens's Hierarchy.to_dict() (with a hierarchy only).
 *   truth.safetensors             What SAELens regenerates with torch's RNG, or does not have:
 *     mean_firing_magnitudes [N], std_firing_magnitudes [N]  F32 (use these, not the config's)
 *     thresholds [N]             F32, Φ⁻¹(1 − p_i), the copula thresholds
 *     parent [N]                 I32, the parent feature, -1 for roots and non-tree features
 *     depth [N]                  I32, depth in its tree (roots 0), -1 outside the trees
 *     mutual_exclusion_group [N] I32, the index of the feature's exclusion group, -1 if none
 *     scaled_by_parent [N]       I32, 1 where the parent scales the feature, else 0
 *     output_feature_vectors [N, d_out], output_bias [d_out]  F32, transcoders only (v_i, b_out)
 *   samples.safetensors           Optional, a batch drawn from the model:
 *     feature_activations [S, N]  the true a; hidden_activations [S, hidden_dim] = x;
 *     output_activations [S, d_out] = y for transcoders.
 */
import { writeSafetensors, type TensorToWrite } from "../formats/safetensorsWrite.ts";
import { syntheticConfigToDict } from "./syntheticConfig.ts";
import { hierarchyToDict } from "./syntheticHierarchy.ts";
import type { SyntheticModel } from "./syntheticModel.ts";

export interface TruthSamples {
  count: number;
  acts: Float32Array | Float64Array;
  x: Float32Array | Float64Array;
  y?: Float32Array | Float64Array | null;
}

export const TRUTH_FILES = {
  config: "synthetic_model_config.json",
  model: "synthetic_model.safetensors",
  hierarchy: "hierarchy.json",
  truth: "truth.safetensors",
  samples: "samples.safetensors",
} as const;

/** The files of the ground-truth folder, by name (see the layout above). */
export function truthFiles(model: SyntheticModel, samples?: TruthSamples): Map<string, Uint8Array> {
  const n = model.numFeatures;
  const f32 = (name: string, shape: number[], data: ArrayLike<number>): TensorToWrite => ({
    name,
    dtype: "F32",
    shape,
    data: Float32Array.from(data),
  });
  const i32 = (name: string, data: ArrayLike<number>): TensorToWrite => ({
    name,
    dtype: "I32",
    shape: [n],
    data: Int32Array.from(data),
  });
  const files = new Map<string, Uint8Array>();
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
  files.set(TRUTH_FILES.config, json(syntheticConfigToDict(model.config)));

  const saelens = [
    f32("feature_vectors", [n, model.hiddenDim], model.input.vectors),
    f32("bias", [model.hiddenDim], model.input.bias),
    f32("firing_probabilities", [n], model.firingProbabilities),
  ];
  if (model.correlation) {
    const { rank, factor, diag } = model.correlation;
    saelens.push(f32("correlation_factor", [n, rank], factor), f32("correlation_diag", [n], diag));
  }
  files.set(TRUTH_FILES.model, writeSafetensors(saelens));
  if (model.hierarchy) files.set(TRUTH_FILES.hierarchy, json(hierarchyToDict(model.hierarchy)));

  const h = model.hierarchy;
  const none = () => new Int32Array(n).fill(-1);
  const truth = [
    f32("mean_firing_magnitudes", [n], model.meanMagnitudes),
    f32("std_firing_magnitudes", [n], model.stdMagnitudes),
    f32("thresholds", [n], model.thresholds),
    i32("parent", h ? h.parent : none()),
    i32("depth", h ? h.depth : none()),
    i32("mutual_exclusion_group", h ? h.meGroup : none()),
    i32("scaled_by_parent", h ? h.scaledByParent : new Int32Array(n)),
  ];
  if (model.output) {
    const { dim, vectors, bias } = model.output;
    truth.push(f32("output_feature_vectors", [n, dim], vectors), f32("output_bias", [dim], bias));
  }
  files.set(TRUTH_FILES.truth, writeSafetensors(truth));

  if (samples) files.set(TRUTH_FILES.samples, writeSafetensors(sampleTensors(model, samples, f32)));
  return files;
}

function sampleTensors(
  model: SyntheticModel,
  s: TruthSamples,
  f32: (name: string, shape: number[], data: ArrayLike<number>) => TensorToWrite,
): TensorToWrite[] {
  const tensors = [
    f32("feature_activations", [s.count, model.numFeatures], s.acts),
    f32("hidden_activations", [s.count, model.hiddenDim], s.x),
  ];
  if (s.y) {
    if (!model.output) throw new Error("truth samples: y given for a model without output vectors");
    tensors.push(f32("output_activations", [s.count, model.output.dim], s.y));
  }
  return tensors;
}

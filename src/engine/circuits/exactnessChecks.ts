import { adjacencyRowsReference } from "./adjacencyReference.ts";
import type { AttributionSetup } from "./attributionSetup.ts";
import { sourceInputs } from "./columnReference.ts";
import { constantTerms, frozenConstants } from "./constantTerms.ts";
import type { AttributionTargets } from "./frozenModel.ts";
import { frozenForward, readTargets } from "./frozenForward.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

/** Test support: every target of a setup (features, then logits) and what they should read. */
export interface TargetTruth {
  targets: AttributionTargets;
  /** Each target's true value: a feature's pre-activation h, a logit's logit − mean(logits). */
  truth: Float64Array;
  /** Each target's constant term c_t. */
  constants: Float64Array;
  /** Each target's own bias (b_enc[f], or b_U[k] − mean(b_U)), part of c_t. */
  biases: Float64Array;
}

export function targetTruth(setup: AttributionSetup, set: TranscoderSet): TargetTruth {
  const { problem, forward } = setup;
  const { featureTargets: f, logitTargets: l } = problem;
  const targets: AttributionTargets = {
    count: f.count + l.count,
    layer: Int32Array.from([...f.layer, ...l.layer]),
    pos: Int32Array.from([...f.pos, ...l.pos]),
    vectors: Float32Array.from([...f.vectors, ...l.vectors]),
  };
  const meanLogit = forward.logits.reduce((s, v) => s + v, 0) / forward.logits.length;
  const truth = new Float64Array(targets.count);
  problem.nodes.forEach((node, i) => {
    if (node.type === "feature") {
      const cap = forward.layers[node.layer]!;
      truth[i] = cap.pre[node.pos * cap.dSae + node.feature]!;
    }
  });
  problem.nodes.slice(-problem.nLogits).forEach((node, i) => {
    if (node.type === "logit") truth[f.count + i] = forward.logits[node.token]! - meanLogit;
  });
  const biases = Float64Array.from([...problem.featureBiases, ...problem.logitBiases]);
  const constants = constantTerms(forward.model, frozenConstants(forward, set), targets, biases);
  return { targets, truth, constants, biases };
}

/** B's float64 rows of every target. */
export function referenceRows(setup: AttributionSetup, targets: AttributionTargets): Float64Array {
  return adjacencyRowsReference(setup.forward.model, setup.problem.sources, targets);
}

/**
 * circuit-tracer's perturbation test in the frozen model: the targets with every source and
 * constant in, and again with source s scaled by (1 + δ).
 */
export function perturbedTargets(
  setup: AttributionSetup,
  set: TranscoderSet,
  targets: AttributionTargets,
  s: number,
  delta: number,
): { before: Float64Array; after: Float64Array } {
  const { model } = setup.forward;
  const { sources } = setup.problem;
  const constants = frozenConstants(setup.forward, set);
  const all = Array.from({ length: sources.count }, (_, i) => i);
  const run = (scale: number[]) => {
    const inputs = sourceInputs(model, sources, all, scale);
    const mlpOut = inputs.mlpOut!.map((m, l) => m!.map((v, i) => v + constants.mlpOut![l]![i]!));
    return readTargets(
      model,
      frozenForward(model, { ...inputs, mlpOut, attnBias: constants.attnBias }),
      targets,
    );
  };
  const ones = all.map(() => 1);
  const scaled = all.map((i) => (i === s ? 1 + delta : 1));
  return { before: run(ones), after: run(scaled) };
}

import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";
import { frozenForward, readTargets, type FrozenInputs } from "./frozenForward.ts";

/**
 * Forward mode (JVP) in float64: the response of every target to source s alone, i.e. the
 * column A[:, s] of the adjacency (rows = targets). The backward passes' rows must agree.
 */
export function adjacencyColumnReference(
  model: FrozenModel,
  sources: AttributionSources,
  targets: AttributionTargets,
  s: number,
): Float64Array {
  return readTargets(model, frozenForward(model, sourceInputs(model, sources, [s])), targets);
}

/** [targets.count, sources.count] row-major, built column by column. */
export function adjacencyByColumns(
  model: FrozenModel,
  sources: AttributionSources,
  targets: AttributionTargets,
): Float64Array {
  const a = new Float64Array(targets.count * sources.count);
  for (let s = 0; s < sources.count; s++) {
    const column = adjacencyColumnReference(model, sources, targets, s);
    for (let t = 0; t < targets.count; t++) a[t * sources.count + s] = column[t]!;
  }
  return a;
}

/** The sources at `indices` (each times `scale[i]`, default 1) written where they enter. */
export function sourceInputs(
  model: FrozenModel,
  sources: AttributionSources,
  indices: readonly number[],
  scale: readonly number[] = [],
): FrozenInputs {
  const { positions: P, dModel: d, nLayer } = model;
  const embed = new Float64Array(P * d);
  const mlpOut = Array.from({ length: nLayer }, () => new Float64Array(P * d));
  indices.forEach((s, i) => {
    const slot = sources.slot[s]!;
    const into = slot === nLayer ? embed : mlpOut[slot]!;
    const base = sources.pos[s]! * d;
    const k = scale[i] ?? 1;
    for (let c = 0; c < d; c++) into[base + c]! += k * sources.vectors[s * d + c]!;
  });
  return { embed, mlpOut };
}

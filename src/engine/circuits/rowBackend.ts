import { adjacencyRowsReference } from "./adjacencyReference.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";

/** Computes rows of the adjacency A[t, :] over a fixed set of sources. */
export interface RowBackend {
  /** [targets.count, sources.count] row-major, and the backward passes it took. */
  rows(targets: AttributionTargets): Promise<{ rows: Float32Array | Float64Array; passes: number }>;
  destroy(): void;
}

/** The float64 reference: one backward pass per call (a batch). */
export function referenceRowBackend(model: FrozenModel, sources: AttributionSources): RowBackend {
  return {
    rows: (targets) =>
      Promise.resolve({ rows: adjacencyRowsReference(model, sources, targets), passes: 1 }),
    destroy: () => undefined,
  };
}

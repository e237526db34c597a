import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { adjacencyRowsReference } from "./adjacencyReference.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";
import { GpuAdjacency } from "./gpuAdjacency.ts";

/** Computes rows of the adjacency A[t, :] over a fixed set of sources. */
export interface RowBackend {
  /** [targets.count, sources.count] row-major, and the backward passes it took. */
  rows(targets: AttributionTargets): Promise<{ rows: Float32Array | Float64Array; passes: number }>;
  destroy(): void;
}

/** A WebGPU device and the shaders to build the backward passes with. */
export interface AttributionDevice {
  device: GPUDevice;
  shaders: ShaderLibrary;
}

/** The batched WGSL backward passes when a device is given, else the float64 reference. */
export async function rowBackend(
  model: FrozenModel,
  sources: AttributionSources,
  batchRows: number,
  device?: AttributionDevice,
): Promise<RowBackend> {
  if (device)
    return GpuAdjacency.create(device.device, device.shaders, model, sources, { batchRows });
  return {
    rows: (targets) =>
      Promise.resolve({ rows: adjacencyRowsReference(model, sources, targets), passes: 1 }),
    destroy: () => undefined,
  };
}

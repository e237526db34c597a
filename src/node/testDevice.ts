import type { AcquiredDevice } from "../engine/gpu/device.ts";
import { acquireNodeDevice } from "./nodeGpu.ts";

let shared: Promise<AcquiredDevice> | undefined;

/** One WebGPU device per test process (creating devices is slow on SwiftShader). */
export function testDevice(): Promise<AcquiredDevice> {
  shared ??= acquireNodeDevice();
  return shared;
}

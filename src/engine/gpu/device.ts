/** Device acquisition that asks the adapter for its larger limits (it runs in a Worker and in Node alike). */

export interface AcquiredDevice {
  device: GPUDevice;
  adapterName: string;
  isFallbackAdapter: boolean;
}

const LIMITS_TO_RAISE = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
] as const;

export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return "unknown adapter";
  const parts = [info.vendor, info.architecture, info.device, info.description].filter(
    (p) => typeof p === "string" && p.length > 0,
  );
  return parts.length > 0 ? parts.join(" / ") : "unknown adapter";
}

/** `raiseLimits: false` keeps WebGPU's default limits (tests of what a small adapter refuses). */
export async function acquireDevice(
  gpu: GPU | undefined,
  options: { raiseLimits?: boolean } = {},
): Promise<AcquiredDevice> {
  if (!gpu) throw new Error("WebGPU is not available here (navigator.gpu is missing)");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("WebGPU found no adapter");
  const requiredLimits: Record<string, number> = {};
  if (options.raiseLimits !== false) {
    for (const name of LIMITS_TO_RAISE) requiredLimits[name] = adapter.limits[name];
  }
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    device,
    adapterName: describeAdapter(info),
    isFallbackAdapter: info?.isFallbackAdapter === true,
  };
}

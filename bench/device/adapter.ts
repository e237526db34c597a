/**
 * Prints, as JSON on stdout, the WebGPU adapter Dawn finds here (the one the benchmarks use): its
 * info, whether it is a fallback (software) adapter, the limits that bound the kernels, and its
 * features, and the dense products' kernels chosen for it. Run by bench/device/run.sh before the
 * benchmarks.
 */
import { acquireNodeDevice } from "../../src/node/nodeGpu.ts";

const LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxStorageBuffersPerShaderStage",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupsPerDimension",
] as const;

// acquireNodeDevice sets up the environment (Vulkan driver) exactly as the benchmarks do.
// It also chooses the GEMM kernels for this adapter (tuning them once, into the cache file that
// the benchmarks run after it read).
const acquired = await acquireNodeDevice();
const { device, adapterName, isFallbackAdapter } = acquired;
const { create } = await import("webgpu");
const gpu = create([]);
const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
if (!adapter) throw new Error("WebGPU found no adapter on the second request");
const info = adapter.info as GPUAdapterInfo & {
  subgroupMinSize?: number;
  subgroupMaxSize?: number;
};
const result = {
  adapterName,
  isFallbackAdapter,
  vendor: info.vendor,
  architecture: info.architecture,
  device: info.device,
  description: info.description,
  subgroupMinSize: info.subgroupMinSize,
  subgroupMaxSize: info.subgroupMaxSize,
  adapterLimits: Object.fromEntries(LIMITS.map((name) => [name, adapter.limits[name]])),
  deviceLimits: Object.fromEntries(LIMITS.map((name) => [name, device.limits[name]])),
  features: [...adapter.features].sort(),
  gemm: acquired.gemm,
  vulkanDriverFiles: process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES ?? null,
};
process.stderr.write(`adapter: ${adapterName}${isFallbackAdapter ? " (fallback)" : ""}\n`);
process.stdout.write(JSON.stringify(result, null, 2) + "\n");
device.destroy();
process.exit(0);

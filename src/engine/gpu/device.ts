/** Device acquisition that asks the adapter for its larger limits (it runs in a Worker and in Node alike). */
import { adapterFacts, chooseGemm, type GemmTuneCache, type TuneResult } from "./autotune.ts";
import { DEFAULT_GEMM, describeGemm, setGemmChoice } from "./gemmVariants.ts";
import type { ShaderLibrary } from "./shaderLibrary.ts";

export interface AcquiredDevice {
  device: GPUDevice;
  adapterName: string;
  isFallbackAdapter: boolean;
  /** The dense products' kernels chosen for this adapter, and how (gemmVariants.ts). */
  gemm: TuneResult;
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

/** "rows=tiled64x64, at=blocked (tuned in 840 ms)": for logs and the bench's adapter line. */
export function describeGemmChoice(t: TuneResult): string {
  const how = t.source === "tuned" ? `tuned in ${(t.ms ?? 0).toFixed(0)} ms` : t.source;
  return `${describeGemm(t.choice)} (${how})`;
}

export interface AcquireOptions {
  /** false keeps WebGPU's default limits (tests of what a small adapter refuses). */
  raiseLimits?: boolean;
  /** Choose the dense products' kernels for this adapter (else today's are used). */
  gemm?: { shaders: ShaderLibrary; cache?: GemmTuneCache };
}

export async function acquireDevice(
  gpu: GPU | undefined,
  options: AcquireOptions = {},
): Promise<AcquiredDevice> {
  if (!gpu) throw new Error("WebGPU is not available here (navigator.gpu is missing)");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("WebGPU found no adapter");
  const requiredLimits: Record<string, number> = {};
  if (options.raiseLimits !== false) {
    for (const name of LIMITS_TO_RAISE) requiredLimits[name] = adapter.limits[name];
  }
  const requiredFeatures: GPUFeatureName[] = adapter.features.has("subgroups") ? ["subgroups"] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const facts = adapterFacts(adapter);
  const gemm: TuneResult = options.gemm
    ? await chooseGemm(device, facts, options.gemm.shaders, { cache: options.gemm.cache })
    : { choice: DEFAULT_GEMM, source: "default" };
  setGemmChoice(device, gemm.choice);
  return {
    device,
    adapterName: describeAdapter(info),
    isFallbackAdapter: info?.isFallbackAdapter === true,
    gemm,
  };
}

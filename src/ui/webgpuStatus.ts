/** What the page knows about WebGPU in this browser. */
export type WebGpuStatus =
  | { state: "checking" }
  | { state: "unavailable"; message: string }
  | { state: "error"; message: string }
  | {
      state: "ready";
      vendor: string;
      architecture: string;
      description: string;
      isFallbackAdapter: boolean;
    };

export const NO_WEBGPU_MESSAGE = "WebGPU is not available in this browser; use Chrome 113+.";
export const NO_ADAPTER_MESSAGE =
  "WebGPU is present but no GPU adapter was found; check that hardware acceleration is enabled.";

/** Asks the browser for a WebGPU adapter and describes it. Never throws. */
export async function probeWebGpu(gpu: GPU | undefined = navigator.gpu): Promise<WebGpuStatus> {
  if (!gpu) return { state: "unavailable", message: NO_WEBGPU_MESSAGE };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { state: "unavailable", message: NO_ADAPTER_MESSAGE };
    // `adapter.info` is missing on browsers older than the current spec.
    const info: Partial<GPUAdapterInfo> = adapter.info ?? {};
    return {
      state: "ready",
      vendor: info.vendor ?? "",
      architecture: info.architecture ?? "",
      description: info.description ?? "",
      isFallbackAdapter: info.isFallbackAdapter ?? false,
    };
  } catch (err) {
    return {
      state: "error",
      message: `Requesting a WebGPU adapter failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

import { existsSync } from "node:fs";
import { acquireDevice, type AcquireOptions, type AcquiredDevice } from "../engine/gpu/device.ts";
import { gemmTuneFile } from "./gemmTuneFile.ts";
import { loadNodeShaders } from "./nodeShaders.ts";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/**
 * Dawn's instance must outlive every device made from it: if the GPU object is garbage
 * collected, Dawn aborts the process the next time it processes events. Keep them here.
 */
const liveInstances: GPU[] = [];

/**
 * WebGPU in Node through Dawn's bindings (the `webgpu` package). On a machine with
 * no GPU it uses Chromium's SwiftShader Vulkan driver when that is installed.
 */
export async function acquireNodeDevice(
  options: Omit<AcquireOptions, "gemm"> = {},
): Promise<AcquiredDevice> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  process.env.XDG_RUNTIME_DIR ??= "/tmp";
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  const gpu = create([]);
  liveInstances.push(gpu);
  try {
    // The GEMM kernels are chosen once per adapter and kept in a file (SwiftShader: today's).
    const gemm = { shaders: loadNodeShaders(), cache: gemmTuneFile() };
    return await acquireDevice(gpu, { ...options, gemm });
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; in Node, WebGPU needs a Vulkan driver ` +
        "(on a machine without a GPU: apt-get install -y chromium libvulkan1 for SwiftShader)",
      { cause: err },
    );
  }
}

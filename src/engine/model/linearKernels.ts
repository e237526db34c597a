import { createKernel } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { Gpt2Activation } from "./gpt2Config.ts";

export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_GELU_NEW = 2;
export const ACT_GELU_ERF = 3;

/** The linear.wgsl ACT code of a GPT-2 MLP activation. */
export function activationCode(a: Gpt2Activation): number {
  return a === "relu" ? ACT_RELU : a === "gelu" ? ACT_GELU_ERF : ACT_GELU_NEW;
}

/** shaders/linear.wgsl pipelines, one per (K, N, activation), made once and reused. */
export class LinearKernels {
  private readonly cache = new Map<string, GPUComputePipeline>();

  constructor(
    private readonly device: GPUDevice,
    readonly shaders: ShaderLibrary,
  ) {}

  pipeline(K: number, N: number, act: number): GPUComputePipeline {
    if (K % 4 !== 0 || N % 4 !== 0) throw new Error(`linear: ${K} x ${N} is not a multiple of 4`);
    const key = `${K}x${N}/${act}`;
    let p = this.cache.get(key);
    if (!p) {
      p = createKernel(this.device, this.shaders, "linear", {
        prelude: "gpt2_common",
        constants: { K4: K / 4, N4: N / 4, ACT: act },
        label: `linear ${key}`,
      });
      this.cache.set(key, p);
    }
    return p;
  }

  /** 8 rows x 4 columns per invocation, (16, 4) invocations per workgroup. */
  grid(N: number, rows: number): [number, number] {
    return [Math.ceil(N / 4 / 16), Math.ceil(rows / 8 / 4)];
  }
}

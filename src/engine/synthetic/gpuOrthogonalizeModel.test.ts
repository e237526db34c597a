import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import {
  buildSyntheticModelOnDevice,
  GPU_ORTHOGONALIZATION_MACS,
  orthogonalizesOnGpu,
} from "./gpuOrthogonalizeModel.ts";
import type { SyntheticModelConfig } from "./syntheticConfig.ts";
import { buildSyntheticModel } from "./syntheticModel.ts";
import { syntheticPreset } from "./syntheticPresets.ts";

const shaders = loadNodeShaders();

const small: SyntheticModelConfig = {
  ...syntheticPreset("tiny"),
  num_features: 48,
  hidden_dim: 16,
  hierarchy: null,
  orthogonalization: { num_steps: 20, lr: 0.01, chunk_size: 1024 },
};

describe("buildSyntheticModelOnDevice", () => {
  it("orthogonalises on the GPU from its threshold: SynthSAEBench-16k yes, tiny no", () => {
    expect(orthogonalizesOnGpu(syntheticPreset("synthsaebench-16k"), 768)).toBe(true);
    expect(orthogonalizesOnGpu(syntheticPreset("tiny"), 32)).toBe(false);
    expect(orthogonalizesOnGpu({ ...small, orthogonalization: null }, 16, 0)).toBe(false);
    expect(GPU_ORTHOGONALIZATION_MACS).toBeGreaterThan(2 * small.num_features * 16 * 16 * 20);
  });

  it("below the threshold builds exactly buildSyntheticModel's model", async () => {
    const { device } = await testDevice();
    const onDevice = await buildSyntheticModelOnDevice(device, shaders, small, { outputDim: 12 });
    expect(onDevice).toEqual(buildSyntheticModel(small, { outputDim: 12 }));
  });

  it("on the GPU builds input and output vectors within float32 error of the CPU's", async () => {
    const { device } = await testDevice();
    const want = buildSyntheticModel(small, { outputDim: 12 });
    const got = await buildSyntheticModelOnDevice(device, shaders, small, {
      outputDim: 12,
      gpuFromMacs: 0,
    });
    for (const key of ["input", "output"] as const) {
      const [a, b] = [got[key]!, want[key]!];
      expect(a.bias).toEqual(b.bias);
      let worst = 0;
      for (let i = 0; i < a.vectors.length; i++) {
        worst = Math.max(worst, Math.abs(a.vectors[i]! - b.vectors[i]!));
      }
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(1e-5);
    }
    expect(got.thresholds).toEqual(want.thresholds);
  });
});

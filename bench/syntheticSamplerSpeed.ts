/**
 * npx tsx bench/syntheticSamplerSpeed.ts [--preset small-2k --batch 1024 --steps 8]
 *
 * Samples per second of the GPU synthetic sampler (shaders/synthetic_*.wgsl) alone: one warm-up
 * batch, then `steps` batches, each submitted and waited for, as a trainer consumes them.
 * Also per CPU-second of this process (SwiftShader's threads included): on a shared machine
 * that figure moves less with the load than the wall-clock one.
 */
import { parseArgs } from "node:util";
import { GpuSyntheticSampler } from "../src/engine/synthetic/gpuSyntheticSampler.ts";
import { buildSyntheticModel } from "../src/engine/synthetic/syntheticModel.ts";
import { syntheticPreset } from "../src/engine/synthetic/syntheticPresets.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "small-2k" },
    batch: { type: "string", default: "1024" },
    steps: { type: "string", default: "8" },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);

const { device, adapterName } = await acquireNodeDevice();
const config = syntheticPreset(values.preset);
config.orthogonalization = null;
const model = buildSyntheticModel(config);
const sampler = GpuSyntheticSampler.create(device, loadNodeShaders(), model, { batch });

async function drawBatch(step: number): Promise<void> {
  const encoder = device.createCommandEncoder();
  sampler.encode(encoder, step);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}

try {
  await drawBatch(0);
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let step = 1; step <= steps; step++) await drawBatch(step);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const samples = steps * batch;
  console.log(
    `${values.preset} (${model.numFeatures} features, ${model.hiddenDim} dims), batch ${batch}, ` +
      `${steps} batches on ${adapterName}: ${(samples / seconds).toFixed(0)} samples/s wall ` +
      `(${((seconds / steps) * 1000).toFixed(0)} ms per batch), ` +
      `${(samples / cpuSeconds).toFixed(0)} samples per CPU-second`,
  );
} finally {
  sampler.destroy();
}

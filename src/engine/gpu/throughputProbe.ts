/**
 * The adapter's measured dense-product throughput, which turns a run's FLOPs into seconds
 * (src/engine/stream/runEstimate.ts): the autotuner's timing of the chosen kernel where it
 * timed one, else a short timing of the chosen "rows" kernel on a small representative shape.
 */
import { DEFAULT_SHAPE, productBench, type TuneResult, type TuneShape } from "./autotune.ts";
import { gemmChoiceFor, variantForShape } from "./gemmVariants.ts";
import { bindBuffers, createKernel } from "./kernel.ts";
import type { ShaderLibrary } from "./shaderLibrary.ts";

export interface Throughput {
  flopsPerSecond: number;
  /** Where it comes from: the autotuner's timing, or this probe's. */
  source: "tuned" | "probe";
  shape: TuneShape;
  /** Wall time of the probe itself (0 when the tuner's timing was reused). */
  ms: number;
}

/**
 * The software defaults' encoder product (batch 128, d_model 128, d_sae 512): ~15 ms on
 * SwiftShader, so the budget times a dozen or more and the fastest is rarely one slowed by
 * another process.
 */
export const PROBE_SHAPE: TuneShape = { B: 128, D: 128, F: 512 };

const gemmFlops = (s: TuneShape) => 2 * s.B * s.D * s.F;

/** The autotuner's timing of the kernel it chose, as a throughput; undefined if it timed none. */
export function throughputFromTune(t: TuneResult): Throughput | undefined {
  const ms = t.timings?.rows[t.choice.rows];
  if (t.source !== "tuned" || typeof ms !== "number" || !(ms > 0)) return undefined;
  return {
    flopsPerSecond: gemmFlops(DEFAULT_SHAPE) / (ms / 1000),
    source: "tuned",
    shape: DEFAULT_SHAPE,
    ms: 0,
  };
}

/**
 * Times the device's chosen "rows" kernel: one warm-up dispatch, then dispatches until
 * `budgetMs` has passed (at least 2, at most `maxIterations`), throughput of the fastest.
 * A GPU needs a larger shape than PROBE_SHAPE (DEFAULT_SHAPE), or the submit's latency is
 * what gets timed.
 */
export async function probeThroughput(
  device: GPUDevice,
  shaders: ShaderLibrary,
  options: { shape?: TuneShape; budgetMs?: number; maxIterations?: number } = {},
): Promise<Throughput> {
  const shape = options.shape ?? PROBE_SHAPE;
  const budget = options.budgetMs ?? 250;
  const maxIterations = options.maxIterations ?? 50;
  const started = performance.now();
  const bench = productBench(device, "rows", shape);
  try {
    const variant = variantForShape("rows", gemmChoiceFor(device).rows, bench.cols4, bench.rows);
    const pipeline = createKernel(device, shaders, variant.shader, {
      prelude: "dictionary_common",
      constants: { ...bench.constants, ...variant.constants },
      label: "throughput probe",
    });
    const bind = bindBuffers(device, pipeline, bench.resources);
    const [x, y] = variant.grid(bench.cols4, bench.rows);
    const dispatch = async () => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(x, y);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    };
    await dispatch();
    const t0 = performance.now();
    let n = 0;
    let fastest = Infinity;
    while (n < 2 || (n < maxIterations && performance.now() - t0 < budget)) {
      const t = performance.now();
      await dispatch();
      fastest = Math.min(fastest, performance.now() - t);
      n++;
    }
    // The fastest dispatch: the others on a shared CPU also measure whatever else ran then.
    return {
      flopsPerSecond: gemmFlops(shape) / (Math.max(fastest, 1e-3) / 1000),
      source: "probe",
      shape,
      ms: performance.now() - started,
    };
  } finally {
    for (const b of bench.owned) b.destroy();
  }
}

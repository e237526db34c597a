/**
 * The same dictionary trained with TensorFlow.js's WebGPU backend, written as a TF.js user would:
 * tf.variable, tf.variableGrads, global-norm clipping, tf.train.adam.
 */
import { create, globals } from "webgpu";
import type * as Tf from "@tensorflow/tfjs";
import type { DictionaryParams, DictionaryKind } from "../src/engine/dictionary/spec.ts";
import type { BenchBatch } from "./data.ts";

/** Dawn aborts the process if its GPU object is garbage collected while in use: keep it. */
const liveGpus: GPU[] = [];

/** Timed training steps, as both benchmarked trainers report them. */
export interface StepSamples {
  warmupSteps: number;
  timedSteps: number;
  /** Median of samplesMs, each timed step's wall-clock time. */
  msPerStep: number;
  samplesMs: number[];
  tokensPerSecond: number;
}

export interface TfjsResult extends StepSamples {
  backend: string;
  adapter: string;
  l0: number;
  loss: number;
  clipping: string;
}

export async function benchTfjs(options: {
  kind: DictionaryKind;
  B: number;
  dIn: number;
  dOut: number;
  dSae: number;
  params: DictionaryParams;
  batches: BenchBatch[];
  l1Coefficient: number;
  lr: number;
  warmup: number;
  timed: number;
  log: (msg: string) => void;
}): Promise<TfjsResult> {
  const { kind, B, dIn, dOut, dSae, params, batches, l1Coefficient, lr, log } = options;
  process.env.XDG_RUNTIME_DIR ??= "/tmp";
  Object.assign(globalThis, globals);
  const gpu = create([]);
  liveGpus.push(gpu);
  (globalThis as unknown as { navigator: { gpu: GPU } }).navigator = { gpu };
  // @tensorflow/tfjs is tfjs-core plus the gradients (which tfjs-core's Node build does not
  // register) and other backends; the WebGPU backend is its own package.
  const tf = await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error("TF.js could not start its WebGPU backend");
  await tf.ready();
  const adapter = await gpu.requestAdapter();
  const info = adapter?.info;
  const adapterName = info
    ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" / ")
    : "unknown";

  const wEnc = tf.variable(tf.tensor2d(params.wEnc, [dIn, dSae]), true, "W_enc");
  const bEnc = tf.variable(tf.tensor1d(params.bEnc), true, "b_enc");
  const wDec = tf.variable(tf.tensor2d(params.wDec, [dSae, dOut]), true, "W_dec");
  const bDec = tf.variable(tf.tensor1d(params.bDec), true, "b_dec");
  const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);

  const lossOf = (x: Tf.Tensor2D, y: typeof x) => {
    const xIn = kind === "sae" ? tf.sub(x, bDec) : x;
    const f = tf.relu(tf.add(tf.matMul(xIn, wEnc), bEnc));
    const yHat = tf.add(tf.matMul(f, wDec), bDec);
    const mse = tf.mean(tf.sum(tf.square(tf.sub(yHat, y)), 1));
    const decoderNorms = tf.norm(wDec, "euclidean", 1);
    const l1 = tf.mul(l1Coefficient, tf.mean(tf.sum(tf.mul(f, decoderNorms), 1)));
    return { loss: tf.add(mse, l1) as Tf.Scalar, f };
  };

  let lastL0 = 0;
  const step = async (index: number, measureL0: boolean): Promise<number> => {
    const batch = batches[index % batches.length]!;
    let l0: Tf.Tensor | undefined;
    const lossTensor = tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [B, dIn]);
      const y = kind === "sae" ? x : tf.tensor2d(batch.y!, [B, dOut]);
      const { value, grads } = tf.variableGrads(() => {
        const { loss, f } = lossOf(x, y);
        if (measureL0) l0 = tf.keep(tf.mean(tf.sum(tf.cast(tf.greater(f, 0), "float32"), 1)));
        return loss;
      });
      // clip_grad_norm_(params, 1.0): one global norm over all the gradients.
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))));
      const scale = tf.minimum(1, tf.div(1, tf.add(norm, 1e-6)));
      optimizer.applyGradients(
        names.map((name) => ({ name, tensor: tf.mul(grads[name]!, scale) })),
      );
      return l0 ? tf.stack([value, l0]) : tf.reshape(value, [1]);
    });
    l0?.dispose();
    // Waits for the step to finish on the GPU (dataSync needs OffscreenCanvas, absent in Node).
    const values = await lossTensor.data();
    lossTensor.dispose();
    if (measureL0) lastL0 = values[1]!;
    return values[0]!;
  };

  for (let i = 0; i < options.warmup; i++) {
    const t = performance.now();
    await step(i, false);
    log(`tfjs warm-up step ${i + 1}: ${(performance.now() - t).toFixed(0)} ms`);
  }
  let loss = 0;
  const samplesMs: number[] = [];
  for (let i = 0; i < options.timed; i++) {
    const t = performance.now();
    loss = await step(options.warmup + i, i === options.timed - 1);
    samplesMs.push(performance.now() - t);
  }
  const ms = median(samplesMs);
  const list = samplesMs.map((t) => t.toFixed(0)).join(", ");
  log(`tfjs: ${ms.toFixed(0)} ms/step (median of ${list}), L0 ${lastL0.toFixed(1)}`);
  const result: TfjsResult = {
    backend: tf.getBackend(),
    adapter: adapterName,
    warmupSteps: options.warmup,
    timedSteps: options.timed,
    msPerStep: ms,
    samplesMs,
    tokensPerSecond: (B * 1000) / ms,
    l0: lastL0,
    loss,
    clipping: "global-norm clipping to 1.0 (tf ops on the gradients before applyGradients)",
  };
  optimizer.dispose();
  for (const v of [wEnc, bEnc, wDec, bDec]) v.dispose();
  return result;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

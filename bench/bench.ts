/**
 * npm run bench [-- --quick] [-- --no-tfjs]
 *
 * Prints one JSON object on stdout (progress goes to stderr): per shape and kind, GpuDictionary's
 * training step (ms, tokens/s) at initialization (about half the latents active) and once the
 * dictionary has become sparse, the dense encoder product alone and the step/encoder ratio, each
 * pass of the step timed alone, and TensorFlow.js's WebGPU backend training the same model on the
 * same adapter in the same process.
 */
import { loadavg } from "node:os";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { initDictionary } from "../src/engine/dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../src/engine/dictionary/spec.ts";
import { GpuDictionary, type StepScalars } from "../src/engine/train/gpuDictionary.ts";
import { structuredBatches, type BenchBatch } from "./data.ts";
import { StepPasses } from "./passes.ts";
import { benchTfjs, median } from "./tfjs.ts";

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!["--quick", "--no-tfjs"].includes(a)) {
    process.stderr.write(`unknown option ${a}; usage: npm run bench [-- --quick] [-- --no-tfjs]\n`);
    process.exit(2);
  }
}
const quick = args.has("--quick");
const withTfjs = !args.has("--no-tfjs");
const started = performance.now();
const log = (msg: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${msg}\n`);

/** Learning rate of the timed steps (it does not change a step's cost; L0 does). */
const TIMED_LR = 3e-4;
/**
 * Training that makes the dictionary sparse: a large L1 coefficient (2048 / d_sae, applied in the
 * timed steps too) and a high learning rate, on small batches of the same distribution, until L0
 * is in the tens (at least `minSteps`, so that the dictionary also reconstructs somewhat).
 */
const SPARSIFY = { lr: 2e-2, batch: 256, targetL0: 60, minSteps: 30, maxSteps: 150, checkEvery: 5 };
const l1For = (dSae: number) => 2048 / dSae;

interface Case {
  kind: "sae" | "transcoder";
  B: number;
  dIn: number;
  dOut: number;
  dSae: number;
  warmup: number;
  timed: number;
  /** Repetitions of each pass timed alone (0: no per-pass table). */
  passReps: { init: number; sparse: number };
}

const small = (kind: Case["kind"]): Case => ({
  kind,
  B: 1024,
  dIn: 128,
  dOut: 128,
  dSae: 1024,
  warmup: quick ? 1 : 2,
  timed: quick ? 2 : 3,
  passReps: { init: quick ? 1 : 2, sparse: quick ? 1 : 3 },
});
const cases: Case[] = [small("sae"), small("transcoder")];
/** The 4096 shape is timed at initialization after its sparse steps have warmed it up. */
const bigCase: Case = {
  kind: "sae",
  B: 4096,
  dIn: 128,
  dOut: 128,
  dSae: 4096,
  warmup: 1,
  timed: 2,
  passReps: { init: 0, sparse: 1 },
};
if (!quick) cases.push(bigCase);

function specOf(c: Case): DictionarySpec {
  return {
    kind: c.kind,
    dIn: c.dIn,
    dSae: c.dSae,
    dOut: c.dOut,
    applyBDecToInput: c.kind === "sae",
    hookName: "bench.in",
    hookNameOut: c.kind === "sae" ? "bench.in" : "bench.out",
    modelName: "bench",
    normalizeActivations: "none",
  };
}

const scalars = (lr: number, l1: number, adamStep: number): StepScalars => ({
  l1Coefficient: l1,
  lr,
  adamStep,
  sIn: 1,
  sOut: 1,
  deadFeatureWindow: 1000,
});

const { device, adapterName, isFallbackAdapter } = await acquireNodeDevice();
const shaders = loadNodeShaders();
log(`adapter: ${adapterName}`);

interface StepTiming {
  warmupSteps: number;
  timedSteps: number;
  msPerStep: number;
  tokensPerSecond: number;
  /** Each timed step's wall-clock time; msPerStep is their median. */
  samplesMs: number[];
  /** Mean active latents per row, measured on the last timed batch. */
  l0: number;
  /** The last timed batch's mse_loss and fraction of variance unexplained. */
  mse: number;
  fvu: number;
  /** Step time over the dense encoder product's time (measured once per shape). */
  stepOverEncoder: number;
  /** Each pass dispatched alone (ms), and all of them encoded back to back with no host work. */
  passesMs?: Record<string, number>;
  passesSumMs?: number;
  mirrorStepMs?: number;
}

async function timeSteps(
  dict: GpuDictionary,
  mirror: StepPasses | undefined,
  params: DictionaryParams,
  batches: BenchBatch[],
  c: Case,
  label: string,
  passReps: number,
  warmup: number,
): Promise<Omit<StepTiming, "stepOverEncoder">> {
  const l1 = l1For(c.dSae);
  dict.setParams(params);
  dict.resetOptimizer();
  const upload = (i: number) => {
    const b = batches[i % batches.length]!;
    dict.uploadBatch(b.x, b.y);
  };
  for (let i = 0; i < warmup; i++) {
    const t = performance.now();
    upload(i);
    dict.step(scalars(TIMED_LR, l1, i + 1), false);
    await device.queue.onSubmittedWorkDone();
    log(`${label}: warm-up step ${i + 1}: ${(performance.now() - t).toFixed(0)} ms`);
  }
  // Each step timed on its own: the median resists a step slowed by other work on the machine.
  const samplesMs: number[] = [];
  for (let i = 0; i < c.timed; i++) {
    const t = performance.now();
    upload(warmup + i);
    dict.step(scalars(TIMED_LR, l1, warmup + i + 1), i === c.timed - 1);
    await device.queue.onSubmittedWorkDone();
    samplesMs.push(performance.now() - t);
  }
  const ms = median(samplesMs);
  const sums = await dict.readBatchSums();
  const l0 = sums.sumL0 / c.B;
  const list = samplesMs.map((t) => t.toFixed(0)).join(", ");
  log(`${label}: ${ms.toFixed(0)} ms/step (median of ${list}), L0 ${l0.toFixed(1)}`);
  const timing: Omit<StepTiming, "stepOverEncoder"> = {
    warmupSteps: warmup,
    timedSteps: c.timed,
    msPerStep: ms,
    samplesMs,
    tokensPerSecond: (c.B * 1000) / ms,
    l0,
    mse: sums.sumSquaredError / c.B,
    fvu: sums.sumSquaredError / sums.targetVariance,
  };
  if (passReps > 0 && mirror) {
    const batch = batches[0]!;
    mirror.load(params, batch.x, batch.y);
    mirror.setL1Coefficient(l1);
    // A whole step first, so that the lists of active latents match this batch.
    mirror.submit(1);
    const passesMs: Record<string, number> = {};
    for (const p of mirror.passes) {
      passesMs[p.name] = await mirror.time(passReps, [p.name]);
    }
    timing.passesMs = passesMs;
    timing.passesSumMs = Object.values(passesMs).reduce((a, b) => a + b, 0);
    timing.mirrorStepMs = await mirror.time(passReps);
    const top = Object.entries(passesMs)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([n, t]) => `${n} ${t.toFixed(0)}`)
      .join(", ");
    log(`${label}: passes alone (ms): ${top}`);
  }
  return timing;
}

/** The dense encoder product alone: dict_encode dispatched on the mirror's buffers. */
async function timeEncoder(
  mirror: StepPasses,
  params: DictionaryParams,
  batch: BenchBatch,
  c: Case,
  label: string,
): Promise<number> {
  mirror.load(params, batch.x, batch.y);
  mirror.submit(1, ["prepare_input"]);
  const reps = c.B * c.dSae > 4e6 ? 1 : 5;
  const ms = await mirror.time(reps, ["encode"]);
  log(`${label}: encoder alone ${ms.toFixed(0)} ms (${reps} dispatches)`);
  return ms;
}

/** Trains with a large L1 and a high learning rate on small batches until L0 is in the tens. */
async function sparsify(
  spec: DictionarySpec,
  params: DictionaryParams,
  c: Case,
  seed: number,
  label: string,
): Promise<{ params: DictionaryParams; steps: number; l0: number; fvu: number }> {
  const l1 = l1For(c.dSae);
  const withTargets = c.kind === "transcoder";
  const batches = structuredBatches(8, SPARSIFY.batch, c.dIn, c.dOut, withTargets, seed, seed + 2);
  const train = new GpuDictionary(device, shaders, spec, SPARSIFY.batch);
  train.setParams(params);
  train.resetOptimizer();
  let l0 = Number.POSITIVE_INFINITY;
  let fvu = Number.NaN;
  let step = 0;
  const t0 = performance.now();
  while (step < SPARSIFY.maxSteps) {
    step++;
    const b = batches[step % batches.length]!;
    train.uploadBatch(b.x, b.y);
    const check = step % SPARSIFY.checkEvery === 0;
    train.step(scalars(SPARSIFY.lr, l1, step), check);
    if (check) {
      const sums = await train.readBatchSums();
      l0 = sums.sumL0 / SPARSIFY.batch;
      fvu = sums.sumSquaredError / sums.targetVariance;
      log(`${label}: sparsifying, step ${step}, L0 ${l0.toFixed(1)}, fvu ${fvu.toFixed(3)}`);
      if (step >= SPARSIFY.minSteps && l0 <= SPARSIFY.targetL0) break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`${label}: sparse after ${step} steps (${seconds.toFixed(0)} s)`);
  const sparse = await train.readParams();
  train.destroy();
  return { params: sparse, steps: step, l0, fvu };
}

interface CaseResult {
  kind: string;
  B: number;
  d_in: number;
  d_out: number;
  d_sae: number;
  l1Coefficient: number;
  /** dict_encode alone (ms), the same at any L0 (NaN when the mirror could not be built). */
  encoderMs: number;
  init: StepTiming;
  sparse: StepTiming;
  sparsify: { steps: number; lr: number; batch: number; l0: number; fvu: number };
  /** The mirrored passes against GpuDictionary on the same parameters and batch (sparse). */
  mirrorCheck: { mseRelErr: number; l0Equal: boolean; gradNormRelErr: number } | { error: string };
}

async function runCase(c: Case, seed: number): Promise<CaseResult> {
  const label = `${c.kind} B=${c.B} d=${c.dIn}/${c.dOut} d_sae=${c.dSae}`;
  const spec = specOf(c);
  const p0 = initDictionary(spec, seed);
  const withTargets = c.kind === "transcoder";
  log(`${label}: making data`);
  const batches = structuredBatches(4, c.B, c.dIn, c.dOut, withTargets, seed, seed + 1);
  const dict = new GpuDictionary(device, shaders, spec, c.B);
  let mirror: StepPasses | undefined;
  let mirrorError = "";
  try {
    mirror = await StepPasses.create(device, shaders, spec, c.B);
  } catch (err) {
    mirrorError = (err as Error).message;
    log(`${label}: no per-pass timings or encoder time: ${mirrorError}`);
  }
  const big = c.passReps.init === 0;
  let init: Omit<StepTiming, "stepOverEncoder"> | undefined;
  // A step of a big dictionary at initialization is slow: warm up on the sparse one instead.
  if (!big) {
    init = await timeSteps(
      dict,
      mirror,
      p0,
      batches,
      c,
      `${label} init`,
      c.passReps.init,
      c.warmup,
    );
  }
  const sp = await sparsify(spec, p0, c, seed, label);
  const sparse = await timeSteps(
    dict,
    mirror,
    sp.params,
    batches,
    c,
    `${label} sparse`,
    c.passReps.sparse,
    c.warmup,
  );
  if (big) init = await timeSteps(dict, mirror, p0, batches, c, `${label} init`, 0, 0);
  const encoderMs = mirror ? await timeEncoder(mirror, p0, batches[0]!, c, label) : Number.NaN;

  // The mirror must bind what GpuDictionary binds: compare their sums on one sparse step.
  let mirrorCheck: CaseResult["mirrorCheck"] = { error: mirrorError };
  if (mirror) {
    const batch = batches[1]!;
    dict.setParams(sp.params);
    dict.resetOptimizer();
    dict.uploadBatch(batch.x, batch.y);
    dict.step(scalars(TIMED_LR, l1For(c.dSae), 1), true);
    const ours = await dict.readBatchSums();
    mirror.load(sp.params, batch.x, batch.y);
    mirror.setL1Coefficient(l1For(c.dSae));
    const theirs = await mirror.sums();
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
    mirrorCheck = {
      mseRelErr: rel(theirs.sumSquaredError, ours.sumSquaredError),
      l0Equal: theirs.sumL0 === ours.sumL0,
      gradNormRelErr: rel(theirs.gradNorm, ours.gradNorm),
    };
    if (mirrorCheck.mseRelErr > 1e-5 || !mirrorCheck.l0Equal || mirrorCheck.gradNormRelErr > 1e-4) {
      log(`${label}: WARNING: the mirrored passes disagree with GpuDictionary`);
    }
    mirror.destroy();
  }
  dict.destroy();
  return {
    kind: c.kind,
    B: c.B,
    d_in: c.dIn,
    d_out: c.dOut,
    d_sae: c.dSae,
    l1Coefficient: l1For(c.dSae),
    encoderMs,
    init: { ...init!, stepOverEncoder: init!.msPerStep / encoderMs },
    sparse: { ...sparse, stepOverEncoder: sparse.msPerStep / encoderMs },
    sparsify: { steps: sp.steps, lr: SPARSIFY.lr, batch: SPARSIFY.batch, l0: sp.l0, fvu: sp.fvu },
    mirrorCheck,
  };
}

async function runTfjs(c: Case, seed: number, ours: CaseResult) {
  const spec = specOf(c);
  log(`tfjs: ${c.kind} B=${c.B} d=${c.dIn} d_sae=${c.dSae}`);
  try {
    const t = await benchTfjs({
      kind: c.kind,
      B: c.B,
      dIn: c.dIn,
      dOut: c.dOut,
      dSae: c.dSae,
      params: initDictionary(spec, seed),
      batches: structuredBatches(4, c.B, c.dIn, c.dOut, c.kind === "transcoder", seed, seed + 1),
      l1Coefficient: l1For(c.dSae),
      lr: TIMED_LR,
      warmup: quick ? 1 : 2,
      timed: quick ? 1 : 3,
      log,
    });
    return {
      ...t,
      comparison: {
        shape: `${c.kind} B=${c.B} d_in=${c.dIn} d_out=${c.dOut} d_sae=${c.dSae}`,
        tfjsMsPerStep: t.msPerStep,
        tfjsL0: t.l0,
        oursMsPerStepInit: ours.init.msPerStep,
        oursL0Init: ours.init.l0,
        oursMsPerStepSparse: ours.sparse.msPerStep,
        oursL0Sparse: ours.sparse.l0,
        tfjsOverOursInit: t.msPerStep / ours.init.msPerStep,
        tfjsOverOursSparse: t.msPerStep / ours.sparse.msPerStep,
      },
    };
  } catch (err) {
    log(`tfjs failed: ${(err as Error).message}`);
    return { error: String((err as Error).stack ?? err) };
  }
}

const loadBefore = loadavg();
const results: CaseResult[] = [];
let tfjs: Awaited<ReturnType<typeof runTfjs>> | string = "skipped (--no-tfjs)";
for (const [index, c] of cases.entries()) {
  const result = await runCase(c, 1000 + index);
  results.push(result);
  // TF.js right after our run of the same shape, so that both see the machine in the same state.
  if (index === 0 && withTfjs) tfjs = await runTfjs(c, 1000 + index, result);
}

const round = (_key: string, v: unknown) =>
  typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v;
process.stdout.write(
  JSON.stringify(
    {
      adapter: adapterName,
      isFallbackAdapter,
      quick,
      note:
        "wall-clock ms per step after warm-up, median of the timed steps (each waited for with " +
        "onSubmittedWorkDone / TF.js data()); " +
        "only ratios within one run mean anything",
      loadAverage: { before: loadBefore, after: loadavg() },
      summary: results.map((r) => ({
        shape: `${r.kind} B=${r.B} d_in=${r.d_in} d_out=${r.d_out} d_sae=${r.d_sae}`,
        encoderMs: r.encoderMs,
        init: {
          l0: r.init.l0,
          msPerStep: r.init.msPerStep,
          stepOverEncoder: r.init.stepOverEncoder,
        },
        sparse: {
          l0: r.sparse.l0,
          msPerStep: r.sparse.msPerStep,
          stepOverEncoder: r.sparse.stepOverEncoder,
        },
      })),
      shapes: results,
      tfjs,
      totalSeconds: (performance.now() - started) / 1000,
    },
    round,
    2,
  ) + "\n",
);
device.destroy();
process.exit(0);

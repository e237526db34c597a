/**
 * npm run bench [-- --quick] [-- --no-tfjs]
 * npm run bench -- --kind sae,transcoder --batch 4096 --d-in 768 --d-sae 24576 [--d-out N]
 *   [--steps S] [--warmup W] [--encoder-reps R]   (one case per kind at that shape, no crossover;
 *   --steps and --warmup set its timed and warm-up steps per path)
 *
 * Prints one JSON object on stdout (progress goes to stderr): per shape and kind, GpuDictionary's
 * training step (ms, tokens/s) on its sparse and dense paths at initialization (about half the
 * latents active) and once the dictionary has become sparse; the dense encoder product alone and
 * the step/encoder ratio; each pass of the step timed alone; where the two paths cross as L0
 * falls (crossover); the TopK and BatchTopK steps over the standard step, timed in turns with it
 * (timeArchitectures); and TensorFlow.js's WebGPU backend training the same model on the same adapter in the same
 * process.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { initDictionary } from "../src/engine/dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../src/engine/dictionary/spec.ts";
import {
  GpuDictionary,
  type StepPath as Path,
  type StepScalars,
} from "../src/engine/train/gpuDictionary.ts";
import { DENSE_ABOVE_L0_FRACTION } from "../src/engine/train/trainer.ts";
import {
  architectureOptions,
  exportedActivation,
  type ArchitectureName,
  type ArchitectureOptions,
} from "../src/engine/train/architecture.ts";
import { structuredBatches, type BenchBatch } from "./data.ts";
import { benchTfjs, median, type StepSamples } from "./tfjs.ts";

const USAGE =
  "usage: npm run bench [-- --quick] [--no-tfjs] [--kind sae,transcoder] [--batch B] [--d-in N] " +
  "[--d-out N] [--d-sae N] [--steps S] [--warmup W] [--encoder-reps R]";
const options = {
  quick: { type: "boolean" },
  "no-tfjs": { type: "boolean" },
  kind: { type: "string" },
  batch: { type: "string" },
  "d-in": { type: "string" },
  "d-out": { type: "string" },
  "d-sae": { type: "string" },
  steps: { type: "string" },
  warmup: { type: "string" },
  "encoder-reps": { type: "string" },
} as const;
function parseOptions() {
  try {
    return parseArgs({ options, strict: true }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}; ${USAGE}\n`);
    process.exit(2);
  }
}
const values = parseOptions();
/** A positive integer option, or `fallback` when absent; anything else exits with a clear error. */
function intOption(name: keyof typeof options, fallback: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== "string" || !Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer, got ${String(text)}; ${USAGE}\n`);
    process.exit(2);
  }
  return n;
}
const quick = values.quick === true;
const withTfjs = values["no-tfjs"] !== true;
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
/** The path the trainer would take at this L0 (src/engine/train/trainer.ts). */
const trainerPath = (l0: number, dSae: number): Path =>
  l0 > DENSE_ABOVE_L0_FRACTION * dSae ? "dense" : "sparse";

/** How one path is timed: steps of GpuDictionary, then (passReps > 0) each pass alone. */
interface Plan {
  path: Path;
  warmup: number;
  timed: number;
  passReps: number;
}

interface Case {
  kind: "sae" | "transcoder";
  B: number;
  dIn: number;
  dOut: number;
  dSae: number;
  /** The state timed first warms the pipelines up for the other (see runCase). */
  sparseFirst: boolean;
  init: Plan[];
  sparse: Plan[];
  /** L0 / d_sae levels at which both paths are timed (empty: no crossover section). */
  crossover: number[];
}

const small = (kind: Case["kind"], crossover: number[]): Case => ({
  kind,
  B: 1024,
  dIn: 128,
  dOut: 128,
  dSae: 1024,
  sparseFirst: false,
  init: [
    { path: "dense", warmup: quick ? 1 : 2, timed: quick ? 2 : 3, passReps: quick ? 1 : 2 },
    { path: "sparse", warmup: 1, timed: quick ? 2 : 3, passReps: 1 },
  ],
  sparse: [
    { path: "sparse", warmup: quick ? 1 : 2, timed: quick ? 2 : 3, passReps: quick ? 1 : 3 },
    { path: "dense", warmup: 1, timed: quick ? 2 : 3, passReps: 1 },
  ],
  crossover,
});
/** Any shape option replaces the standard cases by one case per --kind at that shape. */
const customShape = (["kind", "batch", "d-in", "d-out", "d-sae"] as const).some(
  (name) => values[name] !== undefined,
);
const cases: Case[] = customShape ? customCases() : standardCases();

function standardCases(): Case[] {
  const standard = [
    small("sae", quick ? [] : [0.5, 0.25, 0.15, 0.1, 0.05, 0.02]),
    small("transcoder", []),
  ];
  if (!quick) {
    // A sparse-path step at initialization takes minutes here: the big shape times the dense path
    // there (the trainer's choice) and the sparse path once sparse, which runs first and warms up.
    standard.push({
      kind: "sae",
      B: 4096,
      dIn: 128,
      dOut: 128,
      dSae: 4096,
      sparseFirst: true,
      init: [{ path: "dense", warmup: 1, timed: 2, passReps: 0 }],
      sparse: [{ path: "sparse", warmup: 1, timed: 2, passReps: 1 }],
      crossover: [],
    });
  }
  return standard;
}

/**
 * The shape of the options (default GPT-2 small's: B 4096, d 768, d_sae 32 d_in). At
 * initialization only the trainer's path (dense) is timed: the sparse path with half the latents
 * active is the slowest step there is, and it tells nothing the crossover does not.
 */
function customCases(): Case[] {
  const dIn = intOption("d-in", 768);
  const dOut = intOption("d-out", dIn);
  const shape = { B: intOption("batch", 4096), dIn, dOut, dSae: intOption("d-sae", 32 * dIn) };
  const warmup = intOption("warmup", quick ? 1 : 2);
  const timed = intOption("steps", quick ? 2 : 3);
  const kinds = (values.kind ?? "sae,transcoder").split(",");
  return kinds.map((kind) => {
    if (kind !== "sae" && kind !== "transcoder") {
      process.stderr.write(`--kind takes sae, transcoder or both (comma-separated), got ${kind}\n`);
      process.exit(2);
    }
    if (kind === "sae" && dOut !== dIn) {
      process.stderr.write(`an SAE reconstructs its input: --d-out (${dOut}) must equal --d-in\n`);
      process.exit(2);
    }
    return {
      kind,
      ...shape,
      sparseFirst: false,
      init: [{ path: "dense", warmup, timed, passReps: 1 }],
      sparse: [
        { path: "sparse", warmup, timed, passReps: 1 },
        { path: "dense", warmup: 1, timed, passReps: 0 },
      ],
      crossover: [],
    };
  });
}

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

interface PathTiming extends StepSamples {
  /** Mean active latents per row, measured on the last timed batch. */
  l0: number;
  /** The last timed batch's mse_loss and fraction of variance unexplained. */
  mse: number;
  fvu: number;
  /** Step time over the dense encoder product's time (measured once per shape). */
  stepOverEncoder?: number;
  /** Each pass dispatched alone (ms) and their sum. */
  passesMs?: Record<string, number>;
  passesSumMs?: number;
}

interface StateTiming {
  /** L0 of the state (measured on the last timed batch of the first path timed). */
  l0: number;
  /** The path the trainer takes at this L0, and its step time. */
  trainerPath: Path;
  msPerStep: number | undefined;
  tokensPerSecond: number | undefined;
  stepOverEncoder: number | undefined;
  paths: Partial<Record<Path, PathTiming>>;
}

/** Times `plan.timed` steps of GpuDictionary from `params`, each waited for on its own. */
async function timePath(
  dict: GpuDictionary,
  params: DictionaryParams,
  batches: BenchBatch[],
  c: Case,
  plan: Plan,
  label: string,
): Promise<PathTiming> {
  const l1 = l1For(c.dSae);
  dict.setParams(params);
  dict.resetOptimizer();
  const upload = (i: number) => {
    const b = batches[i % batches.length]!;
    dict.uploadBatch(b.x, b.y);
  };
  for (let i = 0; i < plan.warmup; i++) {
    const t = performance.now();
    upload(i);
    dict.step(scalars(TIMED_LR, l1, i + 1), false, plan.path);
    await device.queue.onSubmittedWorkDone();
    log(`${label} ${plan.path}: warm-up step ${i + 1}: ${(performance.now() - t).toFixed(0)} ms`);
  }
  // Each step timed on its own: the median resists a step slowed by other work on the machine.
  const samplesMs: number[] = [];
  for (let i = 0; i < plan.timed; i++) {
    const t = performance.now();
    upload(plan.warmup + i);
    dict.step(scalars(TIMED_LR, l1, plan.warmup + i + 1), i === plan.timed - 1, plan.path);
    await device.queue.onSubmittedWorkDone();
    samplesMs.push(performance.now() - t);
  }
  const ms = median(samplesMs);
  const sums = await dict.readBatchSums();
  const l0 = sums.sumL0 / c.B;
  const list = samplesMs.map((t) => t.toFixed(0)).join(", ");
  log(`${label} ${plan.path}: ${ms.toFixed(0)} ms/step (median of ${list}), L0 ${l0.toFixed(1)}`);
  return {
    warmupSteps: plan.warmup,
    timedSteps: plan.timed,
    msPerStep: ms,
    samplesMs,
    tokensPerSecond: (c.B * 1000) / ms,
    l0,
    mse: sums.sumSquaredError / c.B,
    fvu: sums.sumSquaredError / sums.targetVariance,
  };
}

/** Each pass of a step on `path` alone (GpuDictionary.profilePasses), from `params` and one batch. */
async function timePasses(
  dict: GpuDictionary,
  params: DictionaryParams,
  batch: BenchBatch,
  c: Case,
  path: Path,
  reps: number,
  label: string,
): Promise<Pick<PathTiming, "passesMs" | "passesSumMs">> {
  dict.setParams(params);
  dict.resetOptimizer();
  dict.uploadBatch(batch.x, batch.y);
  const passesMs = await dict.profilePasses(scalars(TIMED_LR, l1For(c.dSae), 1), path, reps);
  const passesSumMs = Object.values(passesMs).reduce((a, b) => a + b, 0);
  const top = Object.entries(passesMs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([n, t]) => `${n} ${t.toFixed(0)}`)
    .join(", ");
  log(`${label} ${path}: passes alone (ms): ${top}`);
  return { passesMs, passesSumMs };
}

async function timeState(
  dict: GpuDictionary,
  params: DictionaryParams,
  batches: BenchBatch[],
  c: Case,
  plans: Plan[],
  label: string,
): Promise<StateTiming> {
  const paths: Partial<Record<Path, PathTiming>> = {};
  for (const plan of plans) {
    const timing = await timePath(dict, params, batches, c, plan, label);
    if (plan.passReps > 0) {
      Object.assign(
        timing,
        await timePasses(dict, params, batches[0]!, c, plan.path, plan.passReps, label),
      );
    }
    paths[plan.path] = timing;
  }
  const l0 = paths[plans[0]!.path]!.l0;
  const chosen = trainerPath(l0, c.dSae);
  return {
    l0,
    trainerPath: chosen,
    msPerStep: paths[chosen]?.msPerStep,
    tokensPerSecond: paths[chosen]?.tokensPerSecond,
    stepOverEncoder: undefined,
    paths,
  };
}

/** The dense encoder product alone: GpuDictionary's "encode" pass dispatched by itself. */
async function timeEncoder(
  dict: GpuDictionary,
  params: DictionaryParams,
  batch: BenchBatch,
  c: Case,
  label: string,
): Promise<number> {
  dict.setParams(params);
  dict.resetOptimizer();
  dict.uploadBatch(batch.x, batch.y);
  const reps = intOption("encoder-reps", c.B * c.dSae > 4e6 ? 1 : 5);
  const step = scalars(TIMED_LR, l1For(c.dSae), 1);
  const passes = await dict.profilePasses(step, "dense", reps, ["encode"]);
  if (passes.encode === undefined) {
    throw new Error(`no pass labelled "encode" among ${Object.keys(passes)}`);
  }
  // A split step encodes each micro-batch with the same pass: the batch's encoder is all of them.
  const ms = passes.encode * dict.microBatching.count;
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
    train.step(scalars(SPARSIFY.lr, l1, step), check, trainerPath(l0, c.dSae));
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

/** The batch's pre-activations x' @ W_enc + b_enc under `params`, sorted (computed on the CPU). */
function sortedPre(params: DictionaryParams, batch: BenchBatch, c: Case): Float32Array {
  const { dIn, dSae, B } = c;
  const pre = new Float32Array(B * dSae);
  const x = new Float32Array(dIn);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < dIn; k++) {
      x[k] = batch.x[b * dIn + k]! - (c.kind === "sae" ? params.bDec[k]! : 0);
    }
    const row = pre.subarray(b * dSae, (b + 1) * dSae);
    row.set(params.bEnc);
    for (let k = 0; k < dIn; k++) {
      const xk = x[k]!;
      const w = params.wEnc.subarray(k * dSae, (k + 1) * dSae);
      for (let i = 0; i < dSae; i++) row[i]! += xk * w[i]!;
    }
  }
  return pre.sort();
}

/**
 * A copy of `params` whose b_enc is lowered so that a fraction `f` of the batch's pre-activations
 * is positive (L0 ~ f d_sae): the same dictionary at several sparsity levels, for the crossover.
 */
function atSparsity(params: DictionaryParams, sorted: Float32Array, f: number): DictionaryParams {
  const threshold = sorted[Math.min(sorted.length - 1, Math.floor((1 - f) * sorted.length))]!;
  return { ...params, bEnc: params.bEnc.map((v) => v - threshold) };
}

interface CrossoverPoint {
  l0Fraction: number;
  l0: number;
  sparseMs: number;
  denseMs: number;
  sparseOverDense: number;
}

async function crossover(
  dict: GpuDictionary,
  params: DictionaryParams,
  batches: BenchBatch[],
  c: Case,
  label: string,
): Promise<{ points: CrossoverPoint[]; equalCostL0Fraction: number | null }> {
  const points: CrossoverPoint[] = [];
  const sorted = sortedPre(params, batches[0]!, c);
  for (const f of c.crossover) {
    const p = atSparsity(params, sorted, f);
    const timed = quick ? 1 : 2;
    const sparse = await timePath(
      dict,
      p,
      batches,
      c,
      { path: "sparse", warmup: 0, timed, passReps: 0 },
      `${label} crossover ${f}`,
    );
    const dense = await timePath(
      dict,
      p,
      batches,
      c,
      { path: "dense", warmup: 0, timed, passReps: 0 },
      `${label} crossover ${f}`,
    );
    points.push({
      l0Fraction: sparse.l0 / c.dSae,
      l0: sparse.l0,
      sparseMs: sparse.msPerStep,
      denseMs: dense.msPerStep,
      sparseOverDense: sparse.msPerStep / dense.msPerStep,
    });
  }
  // Where sparse / dense crosses 1, interpolated linearly in L0 between neighbouring levels.
  let equalCostL0Fraction: number | null = null;
  const byL0 = [...points].sort((a, b) => a.l0 - b.l0);
  for (let i = 1; i < byL0.length; i++) {
    const a = byL0[i - 1]!;
    const b = byL0[i]!;
    if ((a.sparseOverDense - 1) * (b.sparseOverDense - 1) <= 0) {
      const t = (1 - a.sparseOverDense) / (b.sparseOverDense - a.sparseOverDense || 1);
      equalCostL0Fraction = (a.l0 + t * (b.l0 - a.l0)) / c.dSae;
      break;
    }
  }
  return { points, equalCostL0Fraction };
}

/** k of the TopK and BatchTopK steps timed (sparsify's default). */
const TOPK_K = 32;

interface ArchitectureTiming {
  architecture: ArchitectureName;
  k: number;
  /** Latents dead (past the window) when the timed steps start. */
  deadLatents: number;
  msPerStep: number;
  /**
   * Over the standard step timed in the same turns: at initialization on the trainer's path
   * (dense) and once sparse (sparse path).
   */
  overStandardInit: number;
  overStandardSparse: number;
}

/** Marks the first `count` latents dead: more steps since they fired than any window. */
async function killLatents(dict: GpuDictionary, count: number): Promise<void> {
  if (count === 0) return;
  const state = await dict.readState();
  state.firing.fill(1_000_000, 0, count);
  dict.writeState(state);
}

interface Contender {
  name: string;
  dict: GpuDictionary;
  path: Path;
  samplesMs: number[];
}

/**
 * The TopK and BatchTopK steps (k = TOPK_K, TopK also with half the latents dead so that AuxK
 * runs at k_aux = d_out/2) and the standard step at initialization and once sparse, timed in
 * turns, one step of each per round: on a shared machine all of them see the same load, and their
 * ratios hold even when the absolute times drift.
 */
async function timeArchitectures(
  c: Case,
  p0: DictionaryParams,
  sparseParams: DictionaryParams,
  initL0: number,
  batches: BenchBatch[],
  label: string,
): Promise<ArchitectureTiming[]> {
  const spec = specOf(c);
  const contenders: Contender[] = [];
  const add = async (
    name: string,
    params: DictionaryParams,
    path: Path,
    architecture: ArchitectureName = "standard",
    dead = 0,
  ) => {
    const a = architectureOptions({ architecture, k: TOPK_K });
    const dict = new GpuDictionary(device, shaders, { ...spec, ...savedActivation(a) }, c.B, a);
    dict.setParams(params);
    dict.resetOptimizer();
    await killLatents(dict, dead);
    contenders.push({ name, dict, path, samplesMs: [] });
  };
  await add("standard init", p0, trainerPath(initL0, c.dSae));
  await add("standard sparse", sparseParams, "sparse");
  const runs: [ArchitectureName, number][] = [
    ["topk", 0],
    ["topk", c.dSae / 2],
    ["batchtopk", 0],
  ];
  for (const [architecture, dead] of runs) {
    await add(`${architecture}:${dead}`, p0, "sparse", architecture, dead);
  }
  const warmup = 1;
  const rounds = warmup + (quick || c.B * c.dSae > 4e6 ? 2 : 3);
  for (let round = 0; round < rounds; round++) {
    for (const t of contenders) {
      const b = batches[round % batches.length]!;
      const start = performance.now();
      t.dict.uploadBatch(b.x, b.y);
      t.dict.step(scalars(TIMED_LR, l1For(c.dSae), round + 1), false, t.path);
      await device.queue.onSubmittedWorkDone();
      if (round >= warmup) t.samplesMs.push(performance.now() - start);
    }
  }
  for (const t of contenders) t.dict.destroy();
  const ms = (t: Contender) => median(t.samplesMs);
  const [init, sparse] = [ms(contenders[0]!), ms(contenders[1]!)];
  log(`${label}: in turns, standard ${init.toFixed(0)} ms at init, ${sparse.toFixed(0)} ms sparse`);
  return runs.map(([architecture, dead], i) => {
    const msPerStep = ms(contenders[i + 2]!);
    const what = `${architecture} k=${TOPK_K}${dead > 0 ? `, ${dead} dead` : ""}`;
    log(`${label}: in turns, ${what} ${msPerStep.toFixed(0)} ms`);
    return {
      architecture,
      k: TOPK_K,
      deadLatents: dead,
      msPerStep,
      overStandardInit: msPerStep / init,
      overStandardSparse: msPerStep / sparse,
    };
  });
}

/** The spec field an architecture sets: the activation it is saved with. */
function savedActivation(a: ArchitectureOptions): Pick<DictionarySpec, "activation"> {
  return a.architecture === "standard" ? {} : { activation: exportedActivation(a) };
}

interface CaseResult {
  kind: string;
  B: number;
  d_in: number;
  d_out: number;
  d_sae: number;
  l1Coefficient: number;
  /** Micro-batches per step: more than 1 where [B, d_sae] exceeds the adapter's binding size. */
  microBatches: number;
  /** The encoder pass alone (ms), the same at any L0. */
  encoderMs: number;
  init: StateTiming;
  sparse: StateTiming;
  sparsify: { steps: number; lr: number; batch: number; l0: number; fvu: number };
  crossover?: Awaited<ReturnType<typeof crossover>>;
  architectures: ArchitectureTiming[];
}

async function runCase(c: Case, seed: number): Promise<CaseResult> {
  const label = `${c.kind} B=${c.B} d=${c.dIn}/${c.dOut} d_sae=${c.dSae}`;
  const spec = specOf(c);
  const p0 = initDictionary(spec, seed);
  const withTargets = c.kind === "transcoder";
  log(`${label}: making data`);
  const batches = structuredBatches(4, c.B, c.dIn, c.dOut, withTargets, seed, seed + 1);
  const dict = new GpuDictionary(device, shaders, spec, c.B);
  let init: StateTiming | undefined;
  if (!c.sparseFirst) init = await timeState(dict, p0, batches, c, c.init, `${label} init`);
  const xo = c.crossover.length > 0 ? await crossover(dict, p0, batches, c, label) : undefined;
  const sp = await sparsify(spec, p0, c, seed, label);
  const sparse = await timeState(dict, sp.params, batches, c, c.sparse, `${label} sparse`);
  if (c.sparseFirst) init = await timeState(dict, p0, batches, c, c.init, `${label} init`);
  const encoderMs = await timeEncoder(dict, p0, batches[0]!, c, label);
  for (const state of [init!, sparse]) {
    for (const timing of Object.values(state.paths)) {
      timing.stepOverEncoder = timing.msPerStep / encoderMs;
    }
    if (state.msPerStep !== undefined) state.stepOverEncoder = state.msPerStep / encoderMs;
  }

  dict.destroy();
  const architectures = await timeArchitectures(c, p0, sp.params, init!.l0, batches, label);
  return {
    kind: c.kind,
    B: c.B,
    d_in: c.dIn,
    d_out: c.dOut,
    d_sae: c.dSae,
    l1Coefficient: l1For(c.dSae),
    microBatches: dict.microBatching.count,
    encoderMs,
    init: init!,
    sparse,
    sparsify: { steps: sp.steps, lr: SPARSIFY.lr, batch: SPARSIFY.batch, l0: sp.l0, fvu: sp.fvu },
    ...(xo ? { crossover: xo } : {}),
    architectures,
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
    const ms = (state: StateTiming, path: Path) => state.paths[path]?.msPerStep ?? Number.NaN;
    return {
      ...t,
      comparison: {
        shape: `${c.kind} B=${c.B} d_in=${c.dIn} d_out=${c.dOut} d_sae=${c.dSae}`,
        tfjsMsPerStep: t.msPerStep,
        tfjsL0: t.l0,
        oursL0Init: ours.init.l0,
        oursMsPerStepInit: ours.init.msPerStep,
        oursPathInit: ours.init.trainerPath,
        oursL0Sparse: ours.sparse.l0,
        oursMsPerStepSparse: ours.sparse.msPerStep,
        oursPathSparse: ours.sparse.trainerPath,
        tfjsOverOursInit: t.msPerStep / (ours.init.msPerStep ?? Number.NaN),
        tfjsOverOursSparse: t.msPerStep / (ours.sparse.msPerStep ?? Number.NaN),
        tfjsOverOursByPath: {
          initDense: t.msPerStep / ms(ours.init, "dense"),
          initSparse: t.msPerStep / ms(ours.init, "sparse"),
          sparseDense: t.msPerStep / ms(ours.sparse, "dense"),
          sparseSparse: t.msPerStep / ms(ours.sparse, "sparse"),
        },
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

const summarize = (s: StateTiming) => ({
  l0: s.l0,
  trainerPath: s.trainerPath,
  msPerStep: s.msPerStep,
  stepOverEncoder: s.stepOverEncoder,
  msPerStepByPath: Object.fromEntries(Object.entries(s.paths).map(([p, t]) => [p, t.msPerStep])),
});
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
        "onSubmittedWorkDone / TF.js data()); only ratios within one run mean anything",
      loadAverage: { before: loadBefore, after: loadavg() },
      summary: results.map((r) => ({
        shape: `${r.kind} B=${r.B} d_in=${r.d_in} d_out=${r.d_out} d_sae=${r.d_sae}`,
        encoderMs: r.encoderMs,
        ...(r.microBatches > 1 ? { microBatches: r.microBatches } : {}),
        init: summarize(r.init),
        sparse: summarize(r.sparse),
        ...(r.crossover ? { equalCostL0Fraction: r.crossover.equalCostL0Fraction } : {}),
        architectures: r.architectures.map((t) => ({
          step: `${t.architecture} k=${t.k}${t.deadLatents > 0 ? `, ${t.deadLatents} dead` : ""}`,
          overStandardInit: t.overStandardInit,
          overStandardSparse: t.overStandardSparse,
        })),
      })),
      tfjs,
      shapes: results,
      totalSeconds: (performance.now() - started) / 1000,
    },
    round,
    2,
  ) + "\n",
);
device.destroy();
process.exit(0);

import { createBuffer } from "../gpu/kernel.ts";
import type { ParamLayout } from "../dictionary/layout.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { matryoshkaWidthsOf, selectsOverBatch, type ArchitectureOptions } from "./architecture.ts";

/** SLICES in dict_grad_norm.wgsl. */
export const GRAD_NORM_SLICES = 1024;
/** Sums of dict_metrics.wgsl. */
export const METRIC_SUMS = 6;
/** Floats copied back on a logging step: the metric sums, the gradient norm and τ. */
export const STAGING_FLOATS = 8;
/** dict_batch_topk.wgsl's state: 8 scalars and a 256-bin histogram. */
const BATCH_STATE_WORDS = 8 + 256;

/** The buffers of the TopK, BatchTopK and JumpReLU steps (architecturePasses.ts). */
export interface ArchitectureBuffers {
  /** [Fp] u32: dead before this step's forward (dict_dead). */
  deadMask: GPUBuffer;
  /** dict_dead's D, k_aux and AuxK scale. */
  archState: GPUBuffer;
  /** [B, Fp] u32: what each entry takes part in (1 fired, 2 AuxK or JumpReLU's window, 4 pre-act). */
  mark: GPUBuffer;
  /** [Fp] u32: rows where the latent fired (dict_firing's input). */
  colFired: GPUBuffer;
  /** [B, kAuxMax] u32 and [B] u32: each row's AuxK latents. */
  auxList: GPUBuffer;
  auxCount: GPUBuffer;
  /** [B, dOutP]: the AuxK loss's gradient with respect to its decode. */
  gAux: GPUBuffer;
  batchState: GPUBuffer;
  /** [B] u32: ties at the BatchTopK threshold per row, then before each row. */
  rowTies: GPUBuffer;
  /** [levels] u32: Matryoshka's widths, the last d_sae ([d_sae] for the other architectures). */
  levelWidths: GPUBuffer;
  /** Matryoshka: [levels, B, dOutP], each level's summed residuals (dict_matryoshka). */
  levelResiduals?: GPUBuffer;
  /** Matryoshka: [levels − 1, B] per-row inner squared errors, then their [levels − 1] totals. */
  innerSums?: GPUBuffer;
  /** Matryoshka: the totals, read back on logging steps. */
  innerStaging?: GPUBuffer;
}

/** Every buffer of a dictionary's training step, made once per shape and reused. */
export interface DictionaryBuffers {
  dims: GPUBuffer;
  stepParams: GPUBuffer;
  params: GPUBuffer;
  grads: GPUBuffer;
  adamM: GPUBuffer;
  adamV: GPUBuffer;
  /** [Fp] steps since each latent fired, then [Fp] fires since the last density read. */
  firing: GPUBuffer;
  /** The micro-batch's input rows (the whole batch when the step is not split). */
  x: GPUBuffer;
  /** The micro-batch's target rows; the same buffer as x for an SAE. */
  y: GPUBuffer;
  /** The whole batch [B, d_in] as uploaded; x itself when the step is not split. */
  batchX: GPUBuffer;
  /** The whole target batch [B, d_out]; batchX for an SAE, y when the step is not split. */
  batchY: GPUBuffer;
  /** The step's gradient the optimizer reads: grads, or their mean over the micro-batches. */
  gradTotal: GPUBuffer;
  /** The Micro uniform of dictionary_common.wgsl: which micro-batch runs. */
  micro: GPUBuffer;
  /** One Micro per micro-batch, copied into `micro` before it runs (split steps only). */
  microTable?: GPUBuffer;
  /** [dOutP] (mean, centred sum of squares) of each target column so far in the step. */
  colStats: GPUBuffer;
  xPrime: GPUBuffer;
  pre: GPUBuffer;
  dPre: GPUBuffer;
  /** [B, rowCapacity] u32: each row's active latents, in increasing order. */
  rowList: GPUBuffer;
  rowCount: GPUBuffer;
  colList: GPUBuffer;
  colCount: GPUBuffer;
  colSumF: GPUBuffer;
  decoderNorms: GPUBuffer;
  residual: GPUBuffer;
  /** [2, B]: per row, the sparsity term (L1, JumpReLU's tanh), then AuxK's or the pre-act term. */
  rowSums: GPUBuffer;
  clip: GPUBuffer;
  gradNormPartials: GPUBuffer;
  metricPartials: GPUBuffer;
  metrics: GPUBuffer;
  metricsStaging: GPUBuffer;
  densityStaging: GPUBuffer;
  /** Absent for the standard architecture. */
  arch?: ArchitectureBuffers;
  all: GPUBuffer[];
}

/** Entries per row of rowList: k for TopK, every latent otherwise. */
export function rowCapacity(layout: ParamLayout, a: ArchitectureOptions): number {
  return a.architecture === "topk" ? a.k : layout.fp;
}

/** AuxK's most latents per row, ⌊d_out / 2⌋ (at most d_sae). */
export function auxCapacity(layout: ParamLayout): number {
  return Math.max(1, Math.min(Math.floor(layout.dOut / 2), layout.dSae));
}

/** Invocations of dict_metrics' first stage: one per target column, batch row and latent. */
export function metricSpan(layout: ParamLayout, batchSize: number): number {
  return Math.max(layout.dOut, batchSize, layout.dSae);
}

/**
 * How a step's batch is split: `count` micro-batches of `rows` rows, each running the forward
 * and backward passes on its own buffers, their gradients averaged before clipping and Adam.
 */
export interface MicroBatching {
  count: number;
  rows: number;
}

export function allocateDictionaryBuffers(
  device: GPUDevice,
  spec: DictionarySpec,
  layout: ParamLayout,
  batchSize: number,
  a: ArchitectureOptions,
  split: MicroBatching = { count: 1, rows: batchSize },
): DictionaryBuffers {
  const B = split.rows;
  const { fp, dIn, dOut, dInP, dOutP } = layout;
  const f32 = 4;
  const all: GPUBuffer[] = [];
  const make = (label: string, bytes: number, usage?: number) => {
    const b = createBuffer(device, label, bytes, usage);
    all.push(b);
    return b;
  };
  const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const mapRead = GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
  const dims = make("dims", 16 * 4, uniform);
  device.queue.writeBuffer(dims, 0, dimsUniform(spec, layout, B));
  const x = make("x", B * dIn * f32);
  const y = spec.kind === "sae" ? x : make("y", B * dOut * f32);
  const whole = split.count > 1;
  const batchX = whole ? make("batchX", batchSize * dIn * f32) : x;
  const batchY = !whole ? y : spec.kind === "sae" ? batchX : make("batchY", batchSize * dOut * f32);
  const grads = make("grads", layout.total * f32);
  const micro = make("micro", 16, uniform);
  device.queue.writeBuffer(micro, 0, new Uint32Array([0, 1, 0, 0]));
  let microTable: GPUBuffer | undefined;
  if (whole) {
    const table = new Uint32Array(4 * split.count);
    for (let m = 0; m < split.count; m++) table.set([m, split.count, 0, 0], 4 * m);
    microTable = make(
      "microTable",
      table.byteLength,
      GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    );
    device.queue.writeBuffer(microTable, 0, table);
  }
  const widths = matryoshkaWidthsOf(a, spec.dSae);
  const inner = widths.length - 1;
  const matryoshka =
    widths.length === 0
      ? {}
      : {
          levelResiduals: make("levelResiduals", widths.length * B * dOutP * f32),
          innerSums: make("innerSums", inner * (B + 1) * f32),
          innerStaging: make("innerStaging", inner * f32, mapRead),
        };
  const levelWidths = (): GPUBuffer => {
    const buffer = make("levelWidths", Math.max(1, widths.length) * 4);
    const values = widths.length === 0 ? [spec.dSae] : widths;
    device.queue.writeBuffer(buffer, 0, new Uint32Array(values));
    return buffer;
  };
  const arch: ArchitectureBuffers | undefined =
    a.architecture === "standard"
      ? undefined
      : {
          deadMask: make("deadMask", fp * 4),
          archState: make("archState", 4 * 4),
          mark: make("mark", B * fp * 4),
          colFired: make("colFired", fp * 4),
          auxList: make("auxList", B * auxCapacity(layout) * 4),
          auxCount: make("auxCount", B * 4),
          gAux: make("gAux", B * dOutP * f32),
          batchState: make("batchState", BATCH_STATE_WORDS * 4),
          rowTies: make("rowTies", B * 4),
          levelWidths: levelWidths(),
          ...matryoshka,
        };
  return {
    dims,
    stepParams: make("stepParams", 8 * 4, uniform),
    params: make("params", layout.total * f32),
    grads,
    gradTotal: whole ? make("gradTotal", layout.total * f32) : grads,
    micro,
    ...(microTable ? { microTable } : {}),
    colStats: make("colStats", 2 * dOutP * f32),
    adamM: make("adamM", layout.total * f32),
    adamV: make("adamV", layout.total * f32),
    firing: make("firing", 2 * fp * 4),
    x,
    y,
    batchX,
    batchY,
    xPrime: make("xPrime", B * dInP * f32),
    pre: make("pre", B * fp * f32),
    dPre: make("dPre", B * fp * f32),
    rowList: make("rowList", B * rowCapacity(layout, a) * 4),
    rowCount: make("rowCount", B * 4),
    colList: make("colList", fp * B * 4),
    colCount: make("colCount", fp * 4),
    colSumF: make("colSumF", fp * f32),
    decoderNorms: make("decoderNorms", fp * f32),
    residual: make("residual", B * dOutP * f32),
    rowSums: make("rowSums", 2 * B * f32),
    clip: make("clip", 2 * f32),
    gradNormPartials: make("gradNormPartials", GRAD_NORM_SLICES * f32),
    metricPartials: make("metricPartials", 2 * metricSpan(layout, B) * 16),
    metrics: make("metrics", STAGING_FLOATS * f32),
    metricsStaging: make("metricsStaging", STAGING_FLOATS * f32, mapRead),
    densityStaging: make("densityStaging", fp * 4, mapRead),
    arch,
    all,
  };
}

/** The Dims struct of dictionary_common.wgsl. */
function dimsUniform(
  spec: DictionarySpec,
  layout: ParamLayout,
  B: number,
): Uint32Array<ArrayBuffer> {
  const applyBDec = spec.kind === "sae" && spec.applyBDecToInput ? 1 : 0;
  return new Uint32Array([
    B,
    layout.dIn,
    layout.dOut,
    layout.dSae,
    layout.fp,
    layout.offWEnc,
    layout.offBEnc,
    layout.offWDec,
    layout.offBDec,
    layout.total,
    applyBDec,
    layout.dInP,
    layout.dOutP,
    0,
    0,
    0,
  ]);
}

/** The largest buffer one binding may hold on this device. */
export function bindingLimit(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

function mib(bytes: number): string {
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(0)} KiB` : `${bytes} bytes`;
}

/**
 * Splits a step's batch into the fewest equal micro-batches whose [rows, d_sae] buffers fit
 * `limit` bytes per binding (one when they all fit); refuses, with the sizes and what to change,
 * shapes that cannot fit however the batch is split.
 */
export function planMicroBatches(
  limit: number,
  layout: ParamLayout,
  batchSize: number,
  a: ArchitectureOptions,
): MicroBatching {
  const B = batchSize;
  const paramBytes = layout.total * 4;
  if (paramBytes > limit) {
    const perLatent = (layout.dInP + layout.dOutP + 2) * 4;
    throw new Error(
      `a dictionary of ${layout.total} parameters needs ${mib(paramBytes)} in one binding, over ` +
        `this adapter's ${mib(limit)} per binding: use a smaller d_sae (at most about ` +
        `${Math.floor(limit / perLatent)} at this width)`,
    );
  }
  const batchBytes = B * Math.max(layout.dIn, layout.dOut) * 4;
  if (batchBytes > limit) {
    throw new Error(
      `batch ${B} x width ${Math.max(layout.dIn, layout.dOut)} needs ${mib(batchBytes)}, over ` +
        `this adapter's ${mib(limit)} per binding: use a smaller batch`,
    );
  }
  const rowBytes = 4 * Math.max(layout.fp, layout.dInP, layout.dOutP);
  if (B * rowBytes <= limit) return { count: 1, rows: B };
  const fitting = Math.floor(limit / rowBytes);
  if (selectsOverBatch(a)) {
    throw new Error(
      `batch ${B} x d_sae ${layout.dSae} needs ${mib(B * rowBytes)} buffers, over this ` +
        `adapter's ${mib(limit)} per binding, and ${a.architecture === "batchtopk" ? "BatchTopK" : "Matryoshka BatchTopK"} selects over the whole batch at ` +
        `once, so it cannot be split: use a batch of at most ${fitting}`,
    );
  }
  for (let count = 2; count <= B; count++) {
    if (B % count === 0 && (B / count) * rowBytes <= limit) return { count, rows: B / count };
  }
  // Unreachable: one row is smaller than the parameters, which fit.
  throw new Error(`no split of batch ${B} fits ${mib(limit)} per binding`);
}

/** Refuses shapes the device cannot bind however the batch is split; else how it is split. */
export function checkFits(
  device: GPUDevice,
  layout: ParamLayout,
  batchSize: number,
  a: ArchitectureOptions,
): MicroBatching {
  return planMicroBatches(bindingLimit(device), layout, batchSize, a);
}

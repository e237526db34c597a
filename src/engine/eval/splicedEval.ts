import { bindBuffers, createBuffer, createKernel } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { zeroHook, type GpuGpt2, type HookHandler } from "../model/gpuGpt2.ts";
import type { SequenceSource } from "../stream/tokenCorpus.ts";

/** Spliced-in evaluation, with sae_lens.evals's metric names. */
export interface SplicedMetrics {
  ce_loss_without_sae: number;
  ce_loss_with_sae: number;
  ce_loss_with_ablation: number;
  /** (with_ablation - with_sae) / (with_ablation - without_sae) */
  ce_loss_score: number;
  /** Mean over positions of KL(clean next-token distribution || with the dictionary). */
  kl_div_with_sae: number;
  /** Mean over positions of KL(clean || with the site zero-ablated). */
  kl_div_with_ablation: number;
  /** (kl_div_with_ablation - kl_div_with_sae) / kl_div_with_ablation */
  kl_div_score: number;
  sequences: number;
  /** Positions in the CE averages (those with a next token and not a special token). */
  tokens: number;
  /**
   * Mean non-zero latents per position the dictionary replaces (SAELens's l0), when the splice
   * counts them (SpliceSpec.activeCounts).
   */
  l0?: number;
}

/** The evaluation's windows, recorded so that anyone can run the same tokens. */
export interface EvalWindows {
  corpus: string;
  /** Token offsets in the corpus where each sequence's corpus tokens start. */
  token_offsets: number[];
  context_size: number;
  prepend_bos: boolean;
  /** Token ids whose positions keep their original activations and are left out of the means. */
  exclude_special_tokens: number[];
}

/** Rows [start, end) of a chunk that the dictionary replaces. */
export type RowRange = readonly [number, number];

/**
 * What to splice: handlers that replace the site(s) at the given rows, and the hook(s) to
 * ablate (several: a transcoder set, every replaced MLP zero-ablated at once).
 */
export interface SpliceSpec {
  handlers(replaceRows: readonly RowRange[]): HookHandler[];
  ablateHook: string | readonly string[];
  /** [rows] u32: each row's non-zero latents, written by the handlers (for l0). */
  activeCounts?: GPUBuffer;
}

/**
 * Lets a caller follow and interrupt a long evaluation: `between` runs while the GPU is idle,
 * before each chunk of windows and after each forward pass (`perPass`) or chunk, with the
 * windows finished so far. It may wait (a pause) or throw (a stop); the buffers are freed then.
 */
export interface EvalControl {
  between(windowsDone: number): Promise<void> | void;
  /** Wait for each of the three forward passes on its own: finer stops, a few more round trips. */
  perPass?: boolean;
}

/** Logits buffers of about this many bytes each, three at a time. */
const LOGITS_CHUNK_BYTES = 64 * 2 ** 20;

/** Old eval.json names (before SAELens's), mapped to SAELens's. */
const LEGACY_NAMES: Record<string, keyof SplicedMetrics> = {
  ce_loss_clean: "ce_loss_without_sae",
  ce_loss_spliced: "ce_loss_with_sae",
  ce_loss_zero_ablated: "ce_loss_with_ablation",
  kl_div: "kl_div_with_sae",
};

/** Reads spliced-in metrics saved under SAELens's names or the playground's earlier ones. */
export function readSplicedMetrics(json: Record<string, unknown>): Partial<SplicedMetrics> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) out[LEGACY_NAMES[k] ?? k] = v;
  return out as Partial<SplicedMetrics>;
}

/** Maximal runs of rows whose token is not excluded. */
export function replacedRows(tokens: Uint32Array, exclude: ReadonlySet<number>): RowRange[] {
  const runs: RowRange[] = [];
  let start = -1;
  for (let r = 0; r <= tokens.length; r++) {
    const keep = r < tokens.length && !exclude.has(tokens[r]!);
    if (keep && start < 0) start = r;
    if (!keep && start >= 0) {
      runs.push([start, r]);
      start = -1;
    }
  }
  return runs;
}

/**
 * CE loss of the clean model, with the dictionary spliced in, and with its site zero-ablated,
 * and the KL of the last two from the first, over `sequences` sequences from `source`,
 * computed chunk by chunk on the GPU; only five floats per token per comparison come back.
 * As sae_lens.evals does with exclude_special_tokens: at positions whose token is excluded
 * the dictionary leaves the activations as they were, and those positions are left out of
 * the CE and KL means (zero-ablation still clears every position).
 */
export async function evaluateSpliced(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  source: SequenceSource,
  sequences: number,
  splice: SpliceSpec,
  excludeTokens: readonly number[] = [],
  control?: EvalControl,
): Promise<SplicedMetrics> {
  const T = source.seqLen;
  const VP = model.vocabPadded;
  const exclude = new Set(excludeTokens);
  const chunk = Math.max(
    1,
    Math.min(
      sequences,
      Math.floor(LOGITS_CHUNK_BYTES / (VP * 4 * T)),
      Math.floor(model.maxRows / T),
    ),
  );
  const rows = chunk * T;
  const logits = [0, 1, 2].map(() => model.createLogitsBuffer(rows));
  const run = createBuffer(
    device,
    "eval run",
    16,
    GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  );
  const targets = createBuffer(device, "eval targets", rows * 4);
  const outSpliced = createBuffer(device, "eval spliced", rows * 5 * 4);
  const outZero = createBuffer(device, "eval zero", rows * 5 * 4);
  const counted = splice.activeCounts;
  const countsAt = 2 * rows * 5 * 4;
  const staging = device.createBuffer({
    label: "eval staging",
    size: countsAt + (counted ? rows * 4 : 0),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const compare = createKernel(device, shaders, "gpt2_compare_logits", {
    prelude: "gpt2_common",
    constants: { V: model.config.vocabSize, VP },
  });
  const [clean, spliced, zero] = logits as [GPUBuffer, GPUBuffer, GPUBuffer];
  const bindSpliced = bindBuffers(device, compare, [run, clean, spliced, targets, outSpliced]);
  const bindZero = bindBuffers(device, compare, [run, clean, zero, targets, outZero]);
  const sums = {
    clean: 0,
    spliced: 0,
    zero: 0,
    klSae: 0,
    klZero: 0,
    active: 0,
    targets: 0,
    positions: 0,
  };
  try {
    await control?.between(0);
    for (let done = 0; done < sequences; done += chunk) {
      const n = Math.min(chunk, sequences - done);
      const tokens = source.next(n);
      const t = new Int32Array(n * T);
      for (let r = 0; r < n * T; r++) t[r] = r % T === T - 1 ? -1 : (tokens[r + 1] as number);
      model.setTokens(tokens);
      device.queue.writeBuffer(targets, 0, t);
      device.queue.writeBuffer(run, 0, new Uint32Array([n * T, T, n, 0]));
      let encoder = device.createCommandEncoder({ label: "spliced eval" });
      const forward = { nSeq: n, seqLen: T };
      // With perPass, each forward pass is submitted and waited for alone, so that a pause or
      // a stop is heard after one pass rather than three.
      const passDone = async () => {
        if (!control?.perPass) return;
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        await control.between(done);
        encoder = device.createCommandEncoder({ label: "spliced eval" });
      };
      model.encodeForward(encoder, { ...forward, logits: clean });
      await passDone();
      model.encodeForward(encoder, {
        ...forward,
        logits: spliced,
        handlers: splice.handlers(replacedRows(tokens, exclude)),
      });
      await passDone();
      model.encodeForward(encoder, {
        ...forward,
        logits: zero,
        handlers: [splice.ablateHook].flat().map(zeroHook),
      });
      const pass = encoder.beginComputePass();
      pass.setPipeline(compare);
      for (const bind of [bindSpliced, bindZero]) {
        pass.setBindGroup(0, bind);
        pass.dispatchWorkgroups(Math.min(n * T, 65535), Math.ceil((n * T) / 65535));
      }
      pass.end();
      // Both comparisons come back through one reused staging buffer, in one wait.
      const bytes = n * T * 5 * 4;
      encoder.copyBufferToBuffer(outSpliced, 0, staging, 0, bytes);
      encoder.copyBufferToBuffer(outZero, 0, staging, rows * 5 * 4, bytes);
      if (counted) encoder.copyBufferToBuffer(counted, 0, staging, countsAt, n * T * 4);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const both = staging.getMappedRange();
      const a = new Float32Array(both.slice(0, bytes));
      const b = new Float32Array(both.slice(rows * 5 * 4, rows * 5 * 4 + bytes));
      const counts = counted ? new Uint32Array(both.slice(countsAt, countsAt + n * T * 4)) : null;
      staging.unmap();
      for (let r = 0; r < n * T; r++) {
        if (exclude.has(tokens[r]!)) continue;
        sums.klSae += a[r * 5 + 4] as number;
        sums.klZero += b[r * 5 + 4] as number;
        if (counts) sums.active += counts[r] as number;
        sums.positions++;
        if ((t[r] as number) < 0) continue;
        sums.clean += a[r * 5 + 1] as number;
        sums.spliced += a[r * 5 + 3] as number;
        sums.zero += b[r * 5 + 3] as number;
        sums.targets++;
      }
      await control?.between(done + n);
    }
  } finally {
    for (const b of [...logits, run, targets, outSpliced, outZero, staging]) b.destroy();
  }
  const without = sums.clean / sums.targets;
  const withSae = sums.spliced / sums.targets;
  const withAblation = sums.zero / sums.targets;
  const klSae = sums.klSae / sums.positions;
  const klAblation = sums.klZero / sums.positions;
  return {
    ce_loss_without_sae: without,
    ce_loss_with_sae: withSae,
    ce_loss_with_ablation: withAblation,
    ce_loss_score: (withAblation - withSae) / (withAblation - without),
    kl_div_with_sae: klSae,
    kl_div_with_ablation: klAblation,
    kl_div_score: (klAblation - klSae) / klAblation,
    sequences,
    tokens: sums.targets,
    ...(counted ? { l0: sums.active / sums.positions } : {}),
  };
}

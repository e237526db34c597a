import { bindBuffers, createBuffer, createKernel } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { zeroHook, type GpuGpt2, type HookHandler } from "../model/gpuGpt2.ts";
import type { SequenceSource } from "../stream/tokenCorpus.ts";

/** Spliced-in evaluation, with SAELens's metric names (training-math.md). */
export interface SplicedMetrics {
  ce_loss_clean: number;
  ce_loss_spliced: number;
  ce_loss_zero_ablated: number;
  /** (L_zero - L_spliced) / (L_zero - L_clean) */
  ce_loss_score: number;
  /** Mean over positions of KL(clean next-token distribution || spliced distribution). */
  kl_div: number;
  sequences: number;
  tokens: number;
}

/** What to splice: handlers that replace the site, and the hook that zero-ablating clears. */
export interface SpliceSpec {
  handlers: HookHandler[];
  ablateHook: string;
}

/** Logits buffers of about this many bytes each, three at a time. */
const LOGITS_CHUNK_BYTES = 64 * 2 ** 20;

/**
 * CE loss of the clean model, with the dictionary spliced in, and with its site zero-ablated,
 * over `sequences` sequences from `source` (the held-out slice), computed chunk by chunk on the
 * GPU; only five floats per token come back.
 */
export async function evaluateSpliced(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  source: SequenceSource,
  sequences: number,
  splice: SpliceSpec,
): Promise<SplicedMetrics> {
  const T = source.seqLen;
  const VP = model.vocabPadded;
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
  const staging = device.createBuffer({
    label: "eval staging",
    size: 2 * rows * 5 * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const compare = createKernel(device, shaders, "gpt2_compare_logits", {
    prelude: "gpt2_common",
    constants: { V: model.config.vocabSize, VP },
  });
  const [clean, spliced, zero] = logits as [GPUBuffer, GPUBuffer, GPUBuffer];
  const bindSpliced = bindBuffers(device, compare, [run, clean, spliced, targets, outSpliced]);
  const bindZero = bindBuffers(device, compare, [run, clean, zero, targets, outZero]);
  const sums = { clean: 0, spliced: 0, zero: 0, kl: 0, targets: 0, positions: 0 };
  try {
    for (let done = 0; done < sequences; done += chunk) {
      const n = Math.min(chunk, sequences - done);
      const tokens = source.next(n);
      const t = new Int32Array(n * T);
      for (let r = 0; r < n * T; r++) t[r] = r % T === T - 1 ? -1 : (tokens[r + 1] as number);
      model.setTokens(tokens);
      device.queue.writeBuffer(targets, 0, t);
      device.queue.writeBuffer(run, 0, new Uint32Array([n * T, T, n, 0]));
      const encoder = device.createCommandEncoder({ label: "spliced eval" });
      const forward = { nSeq: n, seqLen: T };
      model.encodeForward(encoder, { ...forward, logits: clean });
      model.encodeForward(encoder, { ...forward, logits: spliced, handlers: splice.handlers });
      model.encodeForward(encoder, {
        ...forward,
        logits: zero,
        handlers: [zeroHook(splice.ablateHook)],
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
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const both = staging.getMappedRange();
      const a = new Float32Array(both.slice(0, bytes));
      const b = new Float32Array(both.slice(rows * 5 * 4, rows * 5 * 4 + bytes));
      staging.unmap();
      for (let r = 0; r < n * T; r++) {
        sums.kl += a[r * 5 + 4] as number;
        sums.positions++;
        if ((t[r] as number) < 0) continue;
        sums.clean += a[r * 5 + 1] as number;
        sums.spliced += a[r * 5 + 3] as number;
        sums.zero += b[r * 5 + 3] as number;
        sums.targets++;
      }
    }
  } finally {
    for (const b of [...logits, run, targets, outSpliced, outZero, staging]) b.destroy();
  }
  const ceClean = sums.clean / sums.targets;
  const ceSpliced = sums.spliced / sums.targets;
  const ceZero = sums.zero / sums.targets;
  return {
    ce_loss_clean: ceClean,
    ce_loss_spliced: ceSpliced,
    ce_loss_zero_ablated: ceZero,
    ce_loss_score: (ceZero - ceSpliced) / (ceZero - ceClean),
    kl_div: sums.kl / sums.positions,
    sequences,
    tokens: sequences * T,
  };
}

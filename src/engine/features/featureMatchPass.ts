import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { GpuDictionaryApply } from "../eval/gpuDictionaryApply.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName } from "../model/hooks.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import {
  baselineMasks,
  baselineShift,
  candidatePairs,
  CorrelationAccumulator,
  correlationMatches,
  decoderCosineMatches,
  decoderSpaceMismatch,
  FULL_PAIR_LIMIT,
  type FeatureMatches,
} from "./featureMatching.ts";
import type { FeatureWindows } from "./featureWindows.ts";

export interface MatchDictionary {
  spec: DictionarySpec;
  params: DictionaryParams;
}

export interface FeatureMatchOptions {
  /** Seeds the shuffled-decoder baseline. */
  seed: number;
  /** Token ids whose positions are left out (GPT-2: [50256]). */
  excludeTokens: readonly number[];
  signal?: AbortSignal;
  /** Tokens read so far, of all the windows' tokens. */
  onProgress?: (done: number, total: number) => void;
}

const CHUNKS_PER_WAIT = 4;

/**
 * Matches A's features to B's (featureMatching.ts) over `windows` of a model: decoder cosines
 * from the weights, then one read of the windows with both dictionaries encoding at their own
 * input hooks in the same forward pass, the correlation sums added per chunk on the GPU.
 */
export async function matchFeatures(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  a: MatchDictionary,
  b: MatchDictionary,
  windows: FeatureWindows,
  options: FeatureMatchOptions,
): Promise<FeatureMatches> {
  const nA = a.spec.dSae;
  const nB = b.spec.dSae;
  const cosineNote = decoderSpaceMismatch(a.spec, b.spec);
  const cos = cosineNote
    ? undefined
    : await decoderCosineMatches(
        device,
        shaders,
        a.params.wDec,
        b.params.wDec,
        { nA, nB, d: a.spec.dOut },
        options,
      );
  const base = { dSaeA: nA, dSaeB: nB, cosine: cos?.column, cosineNote };
  let pairs: Uint32Array | "full";
  if (nA * nB <= FULL_PAIR_LIMIT) pairs = "full";
  else if (cos) pairs = candidatePairs(cos.nearest);
  else {
    return {
      ...base,
      pairs: "full",
      tokens: 0,
      baselineTokens: 0,
      correlationNote:
        `${nA} × ${nB} pairs are more than ${FULL_PAIR_LIMIT} to correlate all, and ` +
        "without comparable decoders there are no cosine candidates to narrow them",
    };
  }
  const { seqLen, count } = windows;
  const nSeq = Math.floor(model.maxRows / seqLen);
  if (nSeq < 1) throw new RangeError(`windows of ${seqLen} tokens exceed the model's buffers`);
  const maxRows = nSeq * seqLen;
  const linear = new LinearKernels(device, shaders);
  const applyA = new GpuDictionaryApply(device, linear, a.spec, a.params, maxRows);
  const applyB = new GpuDictionaryApply(device, linear, b.spec, b.params, maxRows);
  const acc = new CorrelationAccumulator(device, shaders, {
    nA,
    nB,
    strideA: applyA.latentStride,
    strideB: applyB.latentStride,
    maxRows,
    pairs,
    a: applyA.latents,
    b: applyB.latents,
  });
  const layer = (s: DictionarySpec) => parseHookName(s.hookName, model.config.nLayer).layer;
  const exclude = new Set(options.excludeTokens);
  try {
    for (let first = 0, chunk = 0; first < count; first += nSeq, chunk++) {
      const seqs = Math.min(nSeq, count - first);
      const rows = seqs * seqLen;
      const tokens = windows.read(first, seqs);
      const shift = baselineShift(rows, seqLen);
      const masks = baselineMasks(
        Uint32Array.from(tokens, (t) => (exclude.has(t) ? 0 : 1)),
        shift,
      );
      model.setTokens(tokens);
      const encoder = device.createCommandEncoder();
      model.encodeForward(encoder, {
        nSeq: seqs,
        seqLen,
        lastLayer: Math.max(layer(a.spec), layer(b.spec)),
        handlers: [applyA, applyB].map((apply) => ({
          hook: apply.spec.hookName,
          run: (enc: GPUCommandEncoder, site: { buffer: GPUBuffer; rows: number }) =>
            apply.encodeApply(enc, site.buffer, site.rows),
        })),
      });
      acc.encode(encoder, rows, shift, masks);
      device.queue.submit([encoder.finish()]);
      if ((chunk + 1) % CHUNKS_PER_WAIT === 0 || first + seqs >= count) {
        await device.queue.onSubmittedWorkDone();
        options.signal?.throwIfAborted();
        options.onProgress?.((first + seqs) * seqLen, count * seqLen);
      }
    }
    const sums = await acc.read();
    return {
      ...base,
      correlation: correlationMatches(sums, nA, nB, pairs),
      pairs: pairs === "full" ? "full" : "candidates",
      tokens: sums.n0,
      baselineTokens: sums.n1,
    };
  } finally {
    acc.destroy();
    applyA.destroy();
    applyB.destroy();
  }
}

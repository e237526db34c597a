/**
 * The inference dictionary SAELens's save_inference_model writes for each training
 * architecture (architectures.md §2–§5), as spec.ts's model: topk folds the decoder norms into
 * the weights; batchtopk and matryoshka_batchtopk are folded likewise and become a jumprelu
 * with threshold τ for every latent; jumprelu's threshold is exp(log_threshold); a skip transcoder keeps W_skip.
 */
import type { Activation, DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import type { ArchTrainerState } from "./architectureReference.ts";
import {
  param,
  rescales,
  selectsOverBatch,
  shiftsInput,
  type ArchitectureSpec,
  type ArchParams,
} from "./architectureSpec.ts";
import { decoderNorms } from "./architectureForward.ts";

export interface ExportedDictionary {
  spec: Pick<
    DictionarySpec,
    "kind" | "dIn" | "dSae" | "dOut" | "applyBDecToInput" | "activation" | "skip"
  >;
  params: DictionaryParams;
}

/** SAELens _fold_norm_topk: b_enc·n, W_enc columns·n, W_dec rows/n (float64). */
function foldDecoderNorms(s: ArchitectureSpec, p: ArchParams): ArchParams {
  const { dSae: F, dOut } = s;
  const norms = decoderNorms(s, p.wDec);
  return {
    wEnc: p.wEnc.map((w, e) => w * norms[e % F]!),
    bEnc: p.bEnc.map((b, j) => b * norms[j]!),
    wDec: p.wDec.map((w, e) => w / norms[Math.floor(e / dOut)]!),
    bDec: p.bDec,
  };
}

export function exportDictionary(
  s: ArchitectureSpec,
  p: ArchParams,
  state: Pick<ArchTrainerState, "topkThreshold">,
): ExportedDictionary {
  const w = rescales(s) ? foldDecoderNorms(s, p) : p;
  const params: DictionaryParams = {
    wEnc: Float32Array.from(w.wEnc),
    bEnc: Float32Array.from(w.bEnc),
    wDec: Float32Array.from(w.wDec),
    bDec: Float32Array.from(w.bDec),
  };
  if (selectsOverBatch(s)) {
    params.threshold = new Float32Array(s.dSae).fill(state.topkThreshold);
  }
  if (s.architecture === "jumprelu") {
    params.threshold = Float32Array.from(param(p, "logThreshold"), Math.exp);
  }
  if (s.skip) params.wSkip = Float32Array.from(param(p, "wSkip"));
  const activation: Activation =
    s.architecture === "topk" ? { kind: "topk", k: s.k } : { kind: "jumprelu", relu: true };
  const { kind, dIn, dSae, dOut, skip } = s;
  return {
    spec: { kind, dIn, dSae, dOut, applyBDecToInput: shiftsInput(s), activation, skip },
    params,
  };
}

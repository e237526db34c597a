/**
 * Ground-truth metrics of a dictionary on a synthetic model, defined as SAELens's
 * eval_sae_on_synthetic_data (synthetic/evals.py@ae20a2d), with its result's field names:
 * true_l0, sae_l0, dead_latents, shrinkage, explained_variance, mcc, uniqueness and
 * classification {precision, recall, f1_score, accuracy}.
 *
 * An SAE's decoder rows are scored against the feature vectors. A transcoder (x = Σ a_i u_i + b,
 * y = Σ a_i v_i + b_out) is scored on both sides: the decoder rows against the output vectors v
 * (the headline fields), the encoder's columns against the input vectors u (`encoder`); its
 * reconstruction metrics compare ŷ with y.
 */
import {
  ClassificationCalculator,
  DeadLatentsCalculator,
  ExplainedVarianceCalculator,
  L0Calculator,
  ShrinkageCalculator,
  type ClassificationMetrics,
} from "./metricsCalculators.ts";
import { absInPlace, matchLatents, type LatentMatching } from "./metricsMatching.ts";
import type { SimilarityShape } from "./similarityMatrix.ts";

export type { ClassificationMetrics } from "./metricsCalculators.ts";

/** How well one side's latent directions recover the true feature vectors. */
export interface RecoveryMetrics {
  mcc: number;
  uniqueness: number;
  classification: ClassificationMetrics;
}

export interface SyntheticEvalResult extends RecoveryMetrics {
  true_l0: number;
  sae_l0: number;
  dead_latents: number;
  shrinkage: number;
  explained_variance: number;
  /** The encoder against the input vectors u (a transcoder's; an SAE's when asked). */
  encoder?: RecoveryMetrics;
}

/** One batch of samples: true activations, the dictionary's latents, target and output. */
export interface SyntheticEvalBatch {
  rows: number;
  /** [rows, numFeatures] */
  featureActs: ArrayLike<number>;
  /** [rows, dSae] */
  latents: ArrayLike<number>;
  /** [rows, dOut]: x for an SAE, y for a transcoder. */
  target: ArrayLike<number>;
  /** [rows, dOut]: the dictionary's x̂ or ŷ. */
  reconstruction: ArrayLike<number>;
}

export interface SyntheticEvalShape {
  numFeatures: number;
  dSae: number;
  dOut: number;
}

/** Streams batches through SAELens's calculators; the matchings come from the weights. */
export class SyntheticEvaluator {
  private readonly trueL0 = new L0Calculator("the true activations");
  private readonly saeL0 = new L0Calculator("the latents");
  private readonly dead: DeadLatentsCalculator;
  private readonly shrinkage = new ShrinkageCalculator();
  private readonly explained: ExplainedVarianceCalculator;
  private readonly classification: ClassificationCalculator;
  private readonly encoderClassification: ClassificationCalculator | undefined;

  constructor(
    readonly shape: SyntheticEvalShape,
    readonly decoder: LatentMatching,
    readonly encoder?: LatentMatching,
  ) {
    for (const [side, m] of [
      ["decoder", decoder],
      ["encoder", encoder],
    ] as const) {
      if (m && m.bestMatch.length !== shape.dSae) {
        throw new Error(
          `synthetic eval: the ${side} matching covers ${m.bestMatch.length} latents, ` +
            `expected d_sae = ${shape.dSae}`,
        );
      }
    }
    this.dead = new DeadLatentsCalculator(shape.dSae);
    this.explained = new ExplainedVarianceCalculator(shape.dOut);
    this.classification = new ClassificationCalculator(decoder.bestMatch);
    this.encoderClassification = encoder && new ClassificationCalculator(encoder.bestMatch);
  }

  addBatch(batch: SyntheticEvalBatch): void {
    const { rows } = batch;
    const { numFeatures, dSae, dOut } = this.shape;
    const truth = { values: batch.featureActs, rows, width: numFeatures };
    const latents = { values: batch.latents, rows, width: dSae };
    const target = { values: batch.target, rows, width: dOut };
    const output = { values: batch.reconstruction, rows, width: dOut };
    this.trueL0.addBatch(truth);
    this.saeL0.addBatch(latents);
    this.dead.addBatch(latents);
    this.shrinkage.addBatch(output, target);
    this.explained.addBatch(output, target);
    this.classification.addBatch(latents, truth);
    this.encoderClassification?.addBatch(latents, truth);
  }

  result(): SyntheticEvalResult {
    const out: SyntheticEvalResult = {
      true_l0: this.trueL0.compute(),
      sae_l0: this.saeL0.compute(),
      dead_latents: this.dead.compute(),
      shrinkage: this.shrinkage.compute(),
      explained_variance: this.explained.compute(),
      mcc: this.decoder.mcc,
      uniqueness: this.decoder.uniqueness,
      classification: this.classification.compute(),
    };
    if (this.encoder && this.encoderClassification) {
      out.encoder = {
        mcc: this.encoder.mcc,
        uniqueness: this.encoder.uniqueness,
        classification: this.encoderClassification.compute(),
      };
    }
    return out;
  }
}

/** The cosine matrix of two row sets: the GPU's (similarityGpu.ts) or the float64 reference. */
export type CosineProduct = (
  a: Float32Array,
  b: ArrayLike<number>,
  shape: SimilarityShape,
) => Promise<Float32Array | Float64Array>;

/** A dictionary's weights as SAELens stores them. */
export interface DictionaryDirections {
  dIn: number;
  dSae: number;
  dOut: number;
  /** [dIn, dSae] */
  wEnc: Float32Array;
  /** [dSae, dOut] */
  wDec: Float32Array;
}

/** The true feature vectors of one side, [numFeatures, dim] unit rows. */
export interface TrueVectors {
  dim: number;
  vectors: ArrayLike<number>;
}

/** Latent i's encoder direction, column i of W_enc: W_encᵀ [dSae, dIn]. */
export function encoderRows(dict: DictionaryDirections): Float32Array {
  const { dIn, dSae, wEnc } = dict;
  const out = new Float32Array(dSae * dIn);
  for (let k = 0; k < dIn; k++)
    for (let i = 0; i < dSae; i++) out[i * dIn + k] = wEnc[k * dSae + i]!;
  return out;
}

function checkSide(side: string, dictDim: number, truth: TrueVectors, numFeatures: number) {
  if (truth.dim !== dictDim) {
    throw new Error(
      `synthetic eval: the ${side} has dimension ${dictDim} but the true feature vectors ` +
        `it is scored against have ${truth.dim}`,
    );
  }
  if (truth.vectors.length !== numFeatures * truth.dim) {
    throw new Error(
      `synthetic eval: the ${side}'s true feature vectors hold ${truth.vectors.length} values, ` +
        `expected ${numFeatures} x ${truth.dim}`,
    );
  }
}

export type MatchedSide = "decoder" | "encoder";

/**
 * The decoder's matching against `output` (v; an SAE's feature vectors) and, with `input`, the
 * encoder's against it (u). `inspect` sees each signed cosine matrix [dSae, numFeatures] (for
 * the heatmap) before it is turned into |cos| in place and matched.
 */
export async function latentMatchings(
  cosine: CosineProduct,
  dict: DictionaryDirections,
  numFeatures: number,
  truth: { output: TrueVectors; input?: TrueVectors },
  inspect?: (side: MatchedSide, cos: Float32Array | Float64Array) => void,
): Promise<{ decoder: LatentMatching; encoder?: LatentMatching }> {
  checkSide("decoder", dict.dOut, truth.output, numFeatures);
  if (truth.input) checkSide("encoder", dict.dIn, truth.input, numFeatures);
  const match = async (side: MatchedSide, rows: Float32Array, t: TrueVectors) => {
    const cos = await cosine(rows, t.vectors, { rowsA: dict.dSae, rowsB: numFeatures, d: t.dim });
    inspect?.(side, cos);
    return matchLatents(absInPlace(cos), dict.dSae, numFeatures);
  };
  const decoder = await match("decoder", dict.wDec, truth.output);
  if (!truth.input) return { decoder };
  return { decoder, encoder: await match("encoder", encoderRows(dict), truth.input) };
}

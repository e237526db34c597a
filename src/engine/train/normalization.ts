import type { DictionaryParams } from "../dictionary/spec.ts";

/**
 * `expected_average_only_in`: scale = sqrt(width) / E||row||, estimated from the first
 * batches. Feed it rows as they arrive; read `scale` when enough have been seen.
 */
export class NormScaleEstimator {
  private sumNorms = 0;
  private rows = 0;

  constructor(readonly width: number) {}

  add(data: Float32Array, rowCount: number): void {
    for (let r = 0; r < rowCount; r++) {
      let sq = 0;
      for (let c = 0; c < this.width; c++) sq += data[r * this.width + c]! ** 2;
      this.sumNorms += Math.sqrt(sq);
    }
    this.rows += rowCount;
  }

  get rowsSeen(): number {
    return this.rows;
  }

  get scale(): number {
    if (this.rows === 0 || this.sumNorms === 0) return 1;
    return Math.sqrt(this.width) / (this.sumNorms / this.rows);
  }
}

/**
 * Weights trained on x * sIn -> y * sOut, rewritten to act on raw activations:
 * W_enc * sIn, W_dec / sOut, b_dec / sOut, W_skip * sIn / sOut (b_enc and the pre-activations,
 * hence a JumpReLU threshold, are unchanged). Passing 1/sIn, 1/sOut does the inverse (raw
 * weights into the normalized space).
 */
export function foldNormalization(
  p: DictionaryParams,
  sIn: number,
  sOut: number,
): DictionaryParams {
  const out: DictionaryParams = {
    wEnc: p.wEnc.map((w) => w * sIn),
    bEnc: p.bEnc.slice(),
    wDec: p.wDec.map((w) => w / sOut),
    bDec: p.bDec.map((b) => b / sOut),
  };
  if (p.threshold) out.threshold = p.threshold.slice();
  if (p.wSkip) out.wSkip = p.wSkip.map((w) => (w * sIn) / sOut);
  return out;
}

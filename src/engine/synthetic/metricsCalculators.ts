/**
 * The per-batch accumulators of SAELens's eval_sae_on_synthetic_data (synthetic/evals.py
 * @ae20a2d), with its definitions, thresholds and averaging, summed in float64:
 * - L0: mean count of entries > 0 per sample;
 * - dead latents: latents never > 0 over every batch;
 * - shrinkage: mean ‖x̂‖/‖x‖ over samples with ‖x‖ > 1e-6;
 * - explained variance: 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²), 1 or 0 when the variance is < 1e-10;
 * - classification: latent i a detector for feature g(i) (its best match by |cos|), TP/FP/FN/TN
 *   per latent, precision/recall/F1 0 where undefined, means over all latents, dead ones too.
 */

/** ShrinkageCalculator's min_input_norm. */
export const MIN_INPUT_NORM = 1e-6;
/** ExplainedVarianceCalculator's floor on the variance (and on the residual when it is hit). */
export const MIN_VARIANCE = 1e-10;

/** `rows` rows of `width` values, row-major. */
export interface RowBlock {
  values: ArrayLike<number>;
  rows: number;
  width: number;
}

function checkBlock(name: string, block: RowBlock, width?: number): void {
  if (width !== undefined && block.width !== width) {
    throw new Error(`synthetic eval: ${name}: ${block.width} columns, expected ${width}`);
  }
  if (block.values.length < block.rows * block.width) {
    throw new Error(
      `synthetic eval: ${name}: ${block.values.length} values, expected ` +
        `${block.rows} rows x ${block.width}`,
    );
  }
}

export class L0Calculator {
  private total = 0;
  private samples = 0;

  /** `name`: what is counted, for errors. */
  constructor(readonly name: string) {}

  addBatch(acts: RowBlock): void {
    checkBlock(this.name, acts);
    const n = acts.rows * acts.width;
    let active = 0;
    for (let k = 0; k < n; k++) if (acts.values[k]! > 0) active++;
    this.total += active;
    this.samples += acts.rows;
  }

  compute(): number {
    return this.samples === 0 ? 0 : this.total / this.samples;
  }
}

export class DeadLatentsCalculator {
  private readonly fired: Uint8Array;

  constructor(readonly dSae: number) {
    this.fired = new Uint8Array(dSae);
  }

  addBatch(latents: RowBlock): void {
    checkBlock("the latents", latents, this.dSae);
    const { values, rows, width } = latents;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < width; i++) if (values[r * width + i]! > 0) this.fired[i] = 1;
    }
  }

  compute(): number {
    let dead = 0;
    for (const f of this.fired) if (!f) dead++;
    return dead;
  }
}

function rowSquaredNorm(values: ArrayLike<number>, row: number, width: number): number {
  let ss = 0;
  for (let k = 0; k < width; k++) ss += values[row * width + k]! ** 2;
  return ss;
}

export class ShrinkageCalculator {
  private total = 0;
  private samples = 0;

  addBatch(output: RowBlock, target: RowBlock): void {
    checkBlock("the input", target);
    checkBlock("the reconstruction", output, target.width);
    for (let r = 0; r < target.rows; r++) {
      const inputNorm = Math.sqrt(rowSquaredNorm(target.values, r, target.width));
      if (!(inputNorm > MIN_INPUT_NORM)) continue;
      this.total += Math.sqrt(rowSquaredNorm(output.values, r, output.width)) / inputNorm;
      this.samples++;
    }
  }

  compute(): number {
    return this.samples === 0 ? 0 : this.total / this.samples;
  }
}

export class ExplainedVarianceCalculator {
  private readonly sumX: Float64Array;
  private sumSquaredNorm = 0;
  private sumSquaredResidual = 0;
  private samples = 0;

  constructor(readonly width: number) {
    this.sumX = new Float64Array(width);
  }

  addBatch(output: RowBlock, target: RowBlock): void {
    checkBlock("the reconstruction", output, this.width);
    checkBlock("the input", target, this.width);
    const d = this.width;
    for (let r = 0; r < target.rows; r++) {
      for (let k = 0; k < d; k++) {
        const x = target.values[r * d + k]!;
        this.sumX[k] = this.sumX[k]! + x;
        this.sumSquaredNorm += x * x;
        this.sumSquaredResidual += (x - output.values[r * d + k]!) ** 2;
      }
    }
    this.samples += target.rows;
  }

  compute(): number {
    if (this.samples === 0) return 0;
    let meanNormSquared = 0;
    for (const s of this.sumX) meanNormSquared += (s / this.samples) ** 2;
    const variance = this.sumSquaredNorm / this.samples - meanNormSquared;
    if (variance < MIN_VARIANCE) return this.sumSquaredResidual < MIN_VARIANCE ? 1 : 0;
    return 1 - this.sumSquaredResidual / this.samples / variance;
  }
}

/** SAELens's ClassificationMetrics, means over all latents. */
export interface ClassificationMetrics {
  precision: number;
  recall: number;
  f1_score: number;
  accuracy: number;
}

export class ClassificationCalculator {
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;
  private samples = 0;

  /** bestMatch[i]: the feature latent i is scored as a detector of. */
  constructor(readonly bestMatch: Int32Array) {
    const n = bestMatch.length;
    this.tp = new Float64Array(n);
    this.fp = new Float64Array(n);
    this.fn = new Float64Array(n);
  }

  addBatch(latents: RowBlock, featureActs: RowBlock): void {
    checkBlock("the latents", latents, this.bestMatch.length);
    checkBlock("the true activations", featureActs);
    const dSae = this.bestMatch.length;
    const f = featureActs.width;
    for (let r = 0; r < latents.rows; r++) {
      for (let i = 0; i < dSae; i++) {
        const fires = latents.values[r * dSae + i]! > 0;
        const truth = featureActs.values[r * f + this.bestMatch[i]!]! > 0;
        if (fires && truth) this.tp[i]!++;
        else if (fires) this.fp[i]!++;
        else if (truth) this.fn[i]!++;
      }
    }
    this.samples += latents.rows;
  }

  compute(): ClassificationMetrics {
    const n = this.bestMatch.length;
    if (n === 0) return { precision: 0, recall: 0, f1_score: 0, accuracy: 0 };
    let precision = 0;
    let recall = 0;
    let f1 = 0;
    let accuracy = 0;
    for (let i = 0; i < n; i++) {
      const tp = this.tp[i]!;
      const fp = this.fp[i]!;
      const fn = this.fn[i]!;
      const p = tp + fp > 0 ? tp / (tp + fp) : 0;
      const r = tp + fn > 0 ? tp / (tp + fn) : 0;
      precision += p;
      recall += r;
      f1 += p + r > 0 ? (2 * p * r) / (p + r) : 0;
      const tn = this.samples - tp - fp - fn;
      accuracy += (tp + tn) / Math.max(this.samples, 1e-8);
    }
    return {
      precision: precision / n,
      recall: recall / n,
      f1_score: f1 / n,
      accuracy: accuracy / n,
    };
  }
}

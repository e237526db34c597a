import { seededRandom } from "../dictionary/init.ts";
import type { Batch } from "./activationFile.ts";

/**
 * Toy activations with a known sparse structure (a "toy model of superposition"): each row
 * switches on each of `features` random unit directions with probability `firingProbability`
 * and a magnitude in [0, 1); the transcoder target is the same features along a second set of
 * directions, which a ReLU dictionary can represent exactly.
 */
export class SyntheticActivations {
  private readonly rand: () => number;
  private readonly inDirections: Float32Array;
  private readonly outDirections: Float32Array;

  constructor(
    readonly dIn: number,
    readonly dOut: number,
    readonly features: number,
    readonly firingProbability: number,
    seed: number,
  ) {
    this.rand = seededRandom(seed);
    this.inDirections = this.unitRows(features, dIn);
    this.outDirections = this.unitRows(features, dOut);
  }

  private unitRows(rows: number, cols: number): Float32Array {
    const m = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      let sq = 0;
      for (let c = 0; c < cols; c++) {
        const v = this.rand() * 2 - 1;
        m[r * cols + c] = v;
        sq += v * v;
      }
      const inv = 1 / Math.sqrt(sq);
      for (let c = 0; c < cols; c++) m[r * cols + c] = m[r * cols + c]! * inv;
    }
    return m;
  }

  batch(rows: number, withTargets: boolean): Batch {
    const x = new Float32Array(rows * this.dIn);
    const y = withTargets ? new Float32Array(rows * this.dOut) : undefined;
    for (let b = 0; b < rows; b++) {
      for (let f = 0; f < this.features; f++) {
        if (this.rand() >= this.firingProbability) continue;
        const a = this.rand();
        for (let c = 0; c < this.dIn; c++)
          x[b * this.dIn + c]! += a * this.inDirections[f * this.dIn + c]!;
        if (y) {
          for (let c = 0; c < this.dOut; c++) {
            y[b * this.dOut + c]! += a * this.outDirections[f * this.dOut + c]!;
          }
        }
      }
    }
    return y ? { x, y } : { x };
  }
}

/** Random problems and error measures shared by the architecture references' tests. */
import { seededRandom } from "../dictionary/init.ts";
import type { ArchForward } from "./architectureForward.ts";
import { paramNames, type ArchitectureSpec, type ArchParams } from "./architectureSpec.ts";
import { auxKSize } from "./topK.ts";

export function uniform(n: number, rand: () => number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

export interface Problem {
  spec: ArchitectureSpec;
  params: ArchParams;
  x: Float64Array;
  y: Float64Array;
  rows: number;
}

/** Uniform weights (decoder rows of unequal norms), thresholds in [0.05, 0.6], inputs in ±1. */
export function drawProblem(spec: ArchitectureSpec, rows: number, seed: number): Problem {
  const rand = seededRandom(seed);
  const { dIn, dSae, dOut } = spec;
  const params: ArchParams = {
    wEnc: uniform(dIn * dSae, rand, -1, 1),
    bEnc: uniform(dSae, rand, -0.3, 0.3),
    wDec: uniform(dSae * dOut, rand, -1, 1),
    bDec: uniform(dOut, rand, -0.5, 0.5),
  };
  if (spec.architecture === "jumprelu") {
    params.logThreshold = uniform(dSae, rand, 0.05, 0.6).map(Math.log);
  }
  if (spec.skip) params.wSkip = uniform(dOut * dIn, rand, -0.5, 0.5);
  const x = uniform(rows * dIn, rand, -1, 1);
  const y = spec.kind === "sae" ? x : uniform(rows * dOut, rand, -1, 1);
  return { spec, params, x, y, rows };
}

export function cloneParams(s: ArchitectureSpec, p: ArchParams): ArchParams {
  const out: Partial<ArchParams> = {};
  for (const name of paramNames(s)) out[name] = Float64Array.from(p[name]!);
  return out as ArchParams;
}

export function maskOf(dSae: number, dead: readonly number[]): Uint8Array {
  const m = new Uint8Array(dSae);
  for (const j of dead) m[j] = 1;
  return m;
}

function gapAt(sortedDesc: number[], k: number): number {
  return k > 0 && k < sortedDesc.length ? sortedDesc[k - 1]! - sortedDesc[k]! : Infinity;
}

/**
 * Distance of the forward's discrete choices to flipping: the top-k and AuxK selections (gap
 * between the last kept and the first dropped value), ReLU and JumpReLU kinks (|π| or |π − θ|).
 * A central difference with a step well below it sees a smooth loss.
 */
export function decisionMargin(s: ArchitectureSpec, fw: ArchForward, dead: Uint8Array): number {
  const F = s.dSae;
  const rows = fw.hiddenPre.length / F;
  let m = Infinity;
  const row = (b: number) => Array.from(fw.hiddenPre.subarray(b * F, (b + 1) * F));
  if (s.architecture === "jumprelu") {
    fw.hiddenPre.forEach((v, e) => (m = Math.min(m, Math.abs(v - fw.threshold![e % F]!))));
    return m;
  }
  for (const v of fw.hiddenPre) m = Math.min(m, Math.abs(v));
  if (s.architecture === "topk") {
    for (let b = 0; b < rows; b++)
      m = Math.min(
        m,
        gapAt(
          row(b).sort((a, c) => c - a),
          s.k,
        ),
      );
  } else {
    const relu = Array.from(fw.hiddenPre, (v) => Math.max(0, v)).sort((a, c) => c - a);
    m = Math.min(m, gapAt(relu, Math.trunc(s.k * rows)));
  }
  const numDead = dead.reduce((a, v) => a + v, 0);
  if (numDead > 0) {
    const { kAux } = auxKSize(numDead, s.dOut);
    for (let b = 0; b < rows; b++) {
      const cand = row(b).filter((_, j) => dead[j]);
      m = Math.min(
        m,
        gapAt(
          cand.sort((a, c) => c - a),
          kAux,
        ),
      );
    }
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max_e |a[e] − b[e]| / max_e |b[e]|. */
export function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let err = 0;
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / maxAbs(b);
}

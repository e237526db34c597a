/**
 * circuit-tracer's find_threshold (graph.py): sort the scores in descending order, take the
 * running sum over the total, and return the score at the first index where that fraction
 * reaches `threshold` (the largest score if the total is 0, as torch's searchsorted does with
 * a NaN fraction). Where rounding keeps the fraction just below a threshold of 1, graph.py
 * falls through to its last score, 0 if any score is 0; here it is the smallest positive score,
 * where the exact running sum reaches the total.
 *
 * An edge threshold is taken over n² scores (64M for 8,000 nodes), too many to sort in
 * time, so the scores go into 65,536 buckets by their float64 exponent and top mantissa bits
 * (an order-preserving key for non-negative numbers). The walk adds whole buckets from the
 * top until the one that crosses, and sorts only that bucket. Zeros are never stored: they
 * cannot be where the fraction crosses. Sums are float64 (circuit-tracer's are float32), so
 * the crossing can move only where the fraction sits within rounding of the threshold.
 */

/** Calls `emit` for the scores; scores never emitted are 0. */
export type ScoreVisitor = (emit: (score: number) => void) => void;

const MANTISSA_BITS = 5;
const BUCKETS = 1 << (11 + MANTISSA_BITS);
const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);
const HIGH_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0;

function bucketOf(score: number): number {
  BITS[0] = score;
  return WORDS[HIGH_WORD]! >>> (20 - MANTISSA_BITS);
}

/** `count` scores in all, visited by `visit` (those not emitted are 0); see the file comment. */
export function findThresholdOf(count: number, visit: ScoreVisitor, threshold: number): number {
  if (count === 0) throw new Error("findThreshold: no scores");
  const counts = new Float64Array(BUCKETS);
  const sums = new Float64Array(BUCKETS);
  let emitted = 0;
  let total = 0;
  let minPositive = Infinity;
  visit((score) => {
    emitted++;
    if (!(score >= 0 && score < Infinity)) {
      throw new Error(`findThreshold: scores must be finite and non-negative, found ${score}`);
    }
    if (score === 0) return;
    const b = bucketOf(score);
    counts[b]!++;
    sums[b]! += score;
    total += score;
    if (score < minPositive) minPositive = score;
  });
  if (emitted > count)
    throw new Error(`findThreshold: ${emitted} scores visited, ${count} declared`);
  // Every score 0: the fraction is NaN everywhere and searchsorted lands on the first score.
  if (total === 0) return 0;

  let cumulative = 0;
  for (let b = BUCKETS - 1; b >= 0; b--) {
    const n = counts[b]!;
    if (n === 0) continue;
    // Skip a bucket only when it certainly cannot cross; otherwise walk its sorted scores.
    if ((cumulative + sums[b]! * (1 + 1e-12)) / total < threshold) {
      cumulative += sums[b]!;
      continue;
    }
    const scores = bucketScores(visit, b, n);
    for (const score of scores) {
      cumulative += score;
      if (cumulative / total >= threshold) return score;
    }
  }
  return minPositive;
}

/** The scores of bucket `b`, in descending order. */
function bucketScores(visit: ScoreVisitor, b: number, n: number): Float64Array {
  const scores = new Float64Array(n);
  let filled = 0;
  visit((score) => {
    if (score !== 0 && bucketOf(score) === b) scores[filled++] = score;
  });
  return scores.sort().reverse();
}

/** find_threshold over an array of scores. */
export function findThreshold(scores: ArrayLike<number>, threshold: number): number {
  return findThresholdOf(
    scores.length,
    (emit) => {
      for (let i = 0; i < scores.length; i++) emit(scores[i]!);
    },
    threshold,
  );
}

import { erf } from "../model/gpt2Reference.ts";

/** P(Z > x) for Z ~ N(0, 1), in float64 (the continued fraction keeps the far tail exact). */
export function normalUpperTail(x: number): number {
  if (x < 3) return 0.5 * (1 - erf(x / Math.SQRT2));
  // erfc(z) = exp(-z²)/√π / (z + 1/2/(z + 1/(z + 3/2/(z + ...)))) with z = x/√2.
  const z = x / Math.SQRT2;
  let f = z;
  for (let k = 80; k >= 1; k--) f = z + k / 2 / f;
  return (0.5 * Math.exp(-z * z)) / Math.sqrt(Math.PI) / f;
}

/**
 * The copula threshold t with P(Z > t) = p, i.e. Φ⁻¹(1 − p) = √2·erfinv(1 − 2p) as SAELens
 * computes it; p = 0 gives +∞ (never fires), p = 1 gives −∞ (always fires).
 */
export function firingThreshold(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`firing probability ${p} is outside [0, 1]`);
  if (p === 0) return Infinity;
  if (p === 1) return -Infinity;
  // Bisection to a bracket, then Newton on log P(Z > t) (steady in the tails).
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (normalUpperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  let t = (lo + hi) / 2;
  for (let i = 0; i < 3; i++) {
    const q = normalUpperTail(t);
    const density = Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
    t += (q - p) / density;
  }
  return t;
}

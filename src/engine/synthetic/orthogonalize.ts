/**
 * SAELens's orthogonalize_embeddings in float64: Adam (betas 0.9, 0.999, eps 1e-8) on
 *   L(W) = Σ_{i≠j} (w_i·w_j)² + N·Σ_i (w_i·w_i − 1)²
 * over the rows of W [N, D], starting from unit rows, and rows renormalised at the end.
 * SAELens sums L over row chunks before one step, which is the same gradient; here the gradient
 *   ∂L/∂w_k = 4·(C·w_k − g_k·w_k) + 4N·(g_k − 1)·w_k,  C = WᵀW [D, D], g_k = w_k·w_k,
 * costs O(N·D²) a step instead of O(N²·D).
 */
import type { OrthogonalizationConfig } from "./syntheticConfig.ts";

export function normalizeRows(w: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += w[r * cols + c]! ** 2;
    const scale = 1 / Math.max(Math.sqrt(sq), 1e-8);
    for (let c = 0; c < cols; c++) w[r * cols + c]! *= scale;
  }
}

/** C = WᵀW, D×D. */
function gram(w: Float64Array, n: number, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let a = 0; a < d; a++) {
      const wa = w[o + a]!;
      if (wa === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) c[row + b]! += wa * w[o + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) c[a * d + b] = c[b * d + a]!;
  return c;
}

/** The loss L(W) (float64). */
export function orthogonalityLoss(w: Float64Array, n: number, d: number): number {
  const c = gram(w, n, d);
  let frob = 0;
  for (let i = 0; i < d * d; i++) frob += c[i]! ** 2;
  let diagSq = 0;
  let diagDev = 0;
  for (let r = 0; r < n; r++) {
    let g = 0;
    for (let k = 0; k < d; k++) g += w[r * d + k]! ** 2;
    diagSq += g * g;
    diagDev += (g - 1) ** 2;
  }
  // Σ_{i,j} (w_i·w_j)² = ‖WᵀW‖_F².
  return frob - diagSq + n * diagDev;
}

/** ∂L/∂W (float64). */
export function orthogonalityGradient(w: Float64Array, n: number, d: number): Float64Array {
  const c = gram(w, n, d);
  const grad = new Float64Array(n * d);
  const cw = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let g = 0;
    for (let k = 0; k < d; k++) g += w[o + k]! ** 2;
    cw.fill(0);
    for (let a = 0; a < d; a++) {
      const row = a * d;
      let s = 0;
      for (let b = 0; b < d; b++) s += c[row + b]! * w[o + b]!;
      cw[a] = s;
    }
    const self = -g + n * (g - 1);
    for (let k = 0; k < d; k++) grad[o + k] = 4 * (cw[k]! + self * w[o + k]!);
  }
  return grad;
}

/** Orthogonalises the rows of `w` [n, d] in place (they need not start unit). */
export function orthogonalizeRows(
  w: Float64Array,
  n: number,
  d: number,
  cfg: OrthogonalizationConfig,
): void {
  normalizeRows(w, n, d);
  const m = new Float64Array(n * d);
  const v = new Float64Array(n * d);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  for (let step = 1; step <= cfg.num_steps; step++) {
    const grad = orthogonalityGradient(w, n, d);
    const c1 = 1 - beta1 ** step;
    const c2 = 1 - beta2 ** step;
    for (let i = 0; i < n * d; i++) {
      const gi = grad[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      w[i]! -= (cfg.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    }
  }
  normalizeRows(w, n, d);
}

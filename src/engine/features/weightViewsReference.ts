/** Float64 top/bottom entries of A @ B per row: the reference for gpuTopkProduct / weightViews. */
import { PRODUCT_TOP, type RowExtremes } from "./gpuTopkProduct.ts";

export function topkProductReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: { rows: number; d: number; n: number },
  skipSelf = false,
): RowExtremes[] {
  const { rows, d, n } = shape;
  const out: RowExtremes[] = [];
  for (let i = 0; i < rows; i++) {
    const scores: { index: number; value: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (skipSelf && j === i) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[k * n + j]!;
      scores.push({ index: j, value: s });
    }
    const top = [...scores].sort((x, y) => y.value - x.value || x.index - y.index);
    const bottom = [...scores].sort((x, y) => x.value - y.value || x.index - y.index);
    out.push({ top: top.slice(0, PRODUCT_TOP), bottom: bottom.slice(0, PRODUCT_TOP) });
  }
  return out;
}

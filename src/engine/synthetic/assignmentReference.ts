/**
 * Two slow, obvious assignment solvers that assignment.ts is tested against: every injective
 * map of the smaller side (tiny matrices), and the textbook O(n²·m) Hungarian method with
 * potentials (Kuhn–Munkres in its row-by-row form, 1-indexed with a sentinel column 0).
 */

/** Least total cost over every one-to-one matching of min(rows, cols) pairs. */
export function bruteForceAssignmentCost(cost: ArrayLike<number>, rows: number, cols: number) {
  const small = Math.min(rows, cols);
  const large = Math.max(rows, cols);
  const at = (s: number, l: number) => (rows <= cols ? cost[s * cols + l]! : cost[l * cols + s]!);
  const used = new Array<boolean>(large).fill(false);
  let best = Infinity;
  const extend = (s: number, total: number) => {
    if (s === small) {
      best = Math.min(best, total);
      return;
    }
    for (let l = 0; l < large; l++) {
      if (used[l]) continue;
      used[l] = true;
      extend(s + 1, total + at(s, l));
      used[l] = false;
    }
  };
  extend(0, 0);
  return small === 0 ? 0 : best;
}

/** Each row's column (rows ≤ cols) minimising the total cost, by the Hungarian method. */
export function hungarianAssignment(cost: ArrayLike<number>, rows: number, cols: number) {
  if (rows > cols) throw new Error("hungarianAssignment: needs rows <= cols");
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  // rowOf[j]: the row (1-based) matched to column j (1-based); 0 = free.
  const rowOf = new Int32Array(cols + 1);
  const way = new Int32Array(cols + 1);
  for (let i = 1; i <= rows; i++) {
    rowOf[0] = i;
    let j0 = 0;
    const minv = new Float64Array(cols + 1).fill(Infinity);
    const used = new Array<boolean>(cols + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = rowOf[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= cols; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * cols + j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= cols; j++) {
        if (used[j]) {
          u[rowOf[j]!] = u[rowOf[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    do {
      const j1 = way[j0]!;
      rowOf[j0] = rowOf[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colForRow = new Int32Array(rows);
  for (let j = 1; j <= cols; j++) if (rowOf[j]! > 0) colForRow[rowOf[j]! - 1] = j - 1;
  return colForRow;
}

/**
 * Rectangular linear sum assignment, as SciPy's linear_sum_assignment: a one-to-one matching of
 * min(rows, cols) pairs with the least total cost (or the greatest, `maximize`). The shortest
 * augmenting path method (Jonker–Volgenant as Crouse, 2016, describes it for rectangular
 * matrices): each row in turn is added by a Dijkstra search over reduced costs with dual
 * potentials u (rows) and v (columns), in O(rows² · cols) at worst and far less when most rows
 * find a free column at once. Costs are read from one row-major typed array; the work arrays are
 * O(rows + cols) float64.
 */

export interface Assignment {
  /** Matched rows, increasing. */
  rowInd: Int32Array;
  /** rowInd[k]'s column. */
  colInd: Int32Array;
}

export interface AssignmentOptions {
  maximize?: boolean;
}

type Costs = Float32Array | Float64Array;

export function linearSumAssignment(
  cost: Costs,
  rows: number,
  cols: number,
  options: AssignmentOptions = {},
): Assignment {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`linearSumAssignment: shape ${rows} x ${cols} is not a matrix shape`);
  }
  if (cost.length !== rows * cols) {
    throw new Error(
      `linearSumAssignment: the cost matrix holds ${cost.length} values, expected ` +
        `${rows} x ${cols} = ${rows * cols}`,
    );
  }
  for (let i = 0; i < cost.length; i++) {
    if (Number.isNaN(cost[i]!)) {
      throw new Error(
        `linearSumAssignment: cost[${Math.floor(i / cols)}][${i % cols}] is NaN; ` +
          "every cost must be a number",
      );
    }
  }
  const sign = options.maximize ? -1 : 1;
  if (rows <= cols) {
    const colForRow = assignRows(cost, rows, cols, sign);
    return { rowInd: Int32Array.from({ length: rows }, (_, i) => i), colInd: colForRow };
  }
  // More rows than columns: match every column instead (on the transpose), then list by row.
  const rowForCol = assignRows(transpose(cost, rows, cols), cols, rows, sign);
  const order = Int32Array.from({ length: cols }, (_, j) => j).sort(
    (a, b) => rowForCol[a]! - rowForCol[b]!,
  );
  return {
    rowInd: Int32Array.from(order, (j) => rowForCol[j]!),
    colInd: order,
  };
}

function transpose(m: Costs, rows: number, cols: number): Float64Array {
  const out = new Float64Array(m.length);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j]!;
  return out;
}

/** For rows ≤ cols: each row's column in an optimal assignment of every row. */
function assignRows(cost: Costs, rows: number, cols: number, sign: number): Int32Array {
  const u = new Float64Array(rows);
  const v = new Float64Array(cols);
  const colForRow = new Int32Array(rows).fill(-1);
  const rowForCol = new Int32Array(cols).fill(-1);
  matchRowMinima(cost, rows, cols, sign, u, colForRow, rowForCol);
  const search = new AugmentingSearch(cols, rows);
  for (let row = 0; row < rows; row++) {
    if (colForRow[row] !== -1) continue;
    const sink = search.run(cost, cols, sign, row, u, v, rowForCol);
    if (sink < 0) {
      throw new Error(
        `linearSumAssignment: row ${row} cannot be matched: the cost matrix is infeasible ` +
          "(every remaining column costs infinity)",
      );
    }
    search.updatePotentials(row, u, v, colForRow);
    // Flip the path: each column on it takes the row that reached it.
    let j = sink;
    for (;;) {
      const i = search.path[j]!;
      rowForCol[j] = i;
      const previous = colForRow[i]!;
      colForRow[i] = j;
      if (i === row) break;
      j = previous;
    }
  }
  return colForRow;
}

/**
 * The start most rows need no search for: u_i = row i's least cost (v = 0 keeps every reduced
 * cost ≥ 0), and each row takes its cheapest column while that column is free.
 */
function matchRowMinima(
  cost: Costs,
  rows: number,
  cols: number,
  sign: number,
  u: Float64Array,
  colForRow: Int32Array,
  rowForCol: Int32Array,
): void {
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let least = Infinity;
    let at = -1;
    for (let j = 0; j < cols; j++) {
      const c = sign * cost[base + j]!;
      if (c < least) {
        least = c;
        at = j;
      }
    }
    if (at < 0) continue;
    u[i] = least;
    if (rowForCol[at] === -1) {
      rowForCol[at] = i;
      colForRow[i] = at;
    }
  }
}

/** The Dijkstra search for one row's augmenting path, its work arrays reused across rows. */
class AugmentingSearch {
  /** The row from which the shortest path reaches each column. */
  readonly path: Int32Array;
  private readonly shortest: Float64Array;
  private readonly remaining: Int32Array;
  private readonly visitedRows: Int32Array;
  private readonly visitedCols: Int32Array;
  private visitedRowCount = 0;
  private visitedColCount = 0;
  private minVal = 0;

  constructor(cols: number, rows: number) {
    this.path = new Int32Array(cols);
    this.shortest = new Float64Array(cols);
    this.remaining = new Int32Array(cols);
    this.visitedRows = new Int32Array(rows);
    this.visitedCols = new Int32Array(cols);
  }

  /** The free column that ends the shortest augmenting path from `start`, or -1. */
  run(
    cost: Costs,
    cols: number,
    sign: number,
    start: number,
    u: Float64Array,
    v: Float64Array,
    rowForCol: Int32Array,
  ): number {
    const { path, shortest, remaining } = this;
    shortest.fill(Infinity);
    // Scanned in reverse, as SciPy does, so that ties go to the same columns.
    for (let k = 0; k < cols; k++) remaining[k] = cols - 1 - k;
    let remainingCount = cols;
    this.visitedRowCount = 0;
    this.visitedColCount = 0;
    let minVal = 0;
    let i = start;
    for (;;) {
      this.visitedRows[this.visitedRowCount++] = i;
      const base = i * cols;
      const offset = minVal - u[i]!;
      let lowest = Infinity;
      let lowestAt = -1;
      for (let k = 0; k < remainingCount; k++) {
        const j = remaining[k]!;
        const reduced = offset + sign * cost[base + j]! - v[j]!;
        let s = shortest[j]!;
        if (reduced < s) {
          path[j] = i;
          shortest[j] = reduced;
          s = reduced;
        }
        if (s < lowest || (s === lowest && rowForCol[j] === -1)) {
          lowest = s;
          lowestAt = k;
        }
      }
      minVal = lowest;
      if (lowest === Infinity) return -1;
      const j = remaining[lowestAt]!;
      this.visitedCols[this.visitedColCount++] = j;
      remaining[lowestAt] = remaining[--remainingCount]!;
      if (rowForCol[j] === -1) {
        this.minVal = minVal;
        return j;
      }
      i = rowForCol[j]!;
    }
  }

  /** Dual update after a search from `start`, before the path is flipped. */
  updatePotentials(start: number, u: Float64Array, v: Float64Array, colForRow: Int32Array): void {
    const { shortest, minVal } = this;
    u[start] = u[start]! + minVal;
    for (let k = 1; k < this.visitedRowCount; k++) {
      const i = this.visitedRows[k]!;
      u[i] = u[i]! + minVal - shortest[colForRow[i]!]!;
    }
    for (let k = 0; k < this.visitedColCount; k++) {
      const j = this.visitedCols[k]!;
      v[j] = v[j]! - (minVal - shortest[j]!);
    }
  }
}

/** Σ cost over the matched pairs. */
export function assignmentCost(cost: Costs, cols: number, a: Assignment): number {
  let total = 0;
  for (let k = 0; k < a.rowInd.length; k++) total += cost[a.rowInd[k]! * cols + a.colInd[k]!]!;
  return total;
}

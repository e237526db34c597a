import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { assignmentCost, linearSumAssignment, type Assignment } from "./assignment.ts";
import { bruteForceAssignmentCost, hungarianAssignment } from "./assignmentReference.ts";

function randomMatrix(rows: number, cols: number, seed: number, levels = 0) {
  const rand = seededRandom(seed);
  // levels > 0: few distinct values, so that many assignments tie.
  return Float64Array.from({ length: rows * cols }, () =>
    levels ? Math.floor(rand() * levels) : rand(),
  );
}

function expectOneToOne(a: Assignment, rows: number, cols: number) {
  expect(a.rowInd.length).toBe(Math.min(rows, cols));
  expect(a.colInd.length).toBe(Math.min(rows, cols));
  expect(new Set(a.rowInd).size).toBe(a.rowInd.length);
  expect(new Set(a.colInd).size).toBe(a.colInd.length);
  for (let k = 1; k < a.rowInd.length; k++) expect(a.rowInd[k]).toBeGreaterThan(a.rowInd[k - 1]!);
  for (const r of a.rowInd) expect(r >= 0 && r < rows).toBe(true);
  for (const c of a.colInd) expect(c >= 0 && c < cols).toBe(true);
}

describe("linearSumAssignment", () => {
  it("finds SciPy's documented example's optimum (5)", () => {
    const cost = Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]);
    const a = linearSumAssignment(cost, 3, 3);
    expect(Array.from(a.colInd)).toEqual([1, 0, 2]);
    expect(assignmentCost(cost, 3, a)).toBe(5);
  });

  it("matches brute force on every small shape, wide and tall, with and without ties", () => {
    let seed = 10;
    for (const [rows, cols] of [
      [1, 1],
      [1, 5],
      [2, 2],
      [3, 5],
      [4, 4],
      [5, 3],
      [4, 7],
      [6, 6],
      [7, 4],
    ] as const) {
      for (const levels of [0, 3]) {
        const cost = randomMatrix(rows, cols, seed++, levels);
        for (const maximize of [false, true]) {
          const a = linearSumAssignment(cost, rows, cols, { maximize });
          expectOneToOne(a, rows, cols);
          const want = maximize
            ? -bruteForceAssignmentCost(
                cost.map((c) => -c),
                rows,
                cols,
              )
            : bruteForceAssignmentCost(cost, rows, cols);
          expect(
            assignmentCost(cost, cols, a),
            `${rows}x${cols} ${levels} ${maximize}`,
          ).toBeCloseTo(want, 12);
        }
      }
    }
  });

  it("agrees with the textbook Hungarian method on 60 x 200 and 150 x 150 random matrices", () => {
    for (const [rows, cols, seed] of [
      [60, 200, 1],
      [150, 150, 2],
    ] as const) {
      const cost = randomMatrix(rows, cols, seed);
      const a = linearSumAssignment(cost, rows, cols);
      // Continuous random costs have one optimum, so the matching itself must agree.
      expect(Array.from(a.colInd)).toEqual(Array.from(hungarianAssignment(cost, rows, cols)));
    }
  });

  it("maximises |cos| on a float32 matrix with a planted permutation plus noise", () => {
    const rows = 40;
    const cols = 90;
    const rand = seededRandom(5);
    const planted = Array.from({ length: cols }, (_, j) => j).sort(() => rand() - 0.5);
    const w = Float32Array.from({ length: rows * cols }, () => rand() * 0.5);
    for (let i = 0; i < rows; i++) w[i * cols + planted[i]!] = 0.9 + rand() * 0.1;
    const a = linearSumAssignment(w, rows, cols, { maximize: true });
    expect(Array.from(a.colInd)).toEqual(planted.slice(0, rows));
  });

  it("gives tall matrices rows in increasing order with their columns", () => {
    const cost = Float64Array.from([5, 9, 1, 8, 0, 7, 9, 3]); // 4 x 2
    const a = linearSumAssignment(cost, 4, 2);
    expect(Array.from(a.rowInd)).toEqual([2, 3]);
    expect(Array.from(a.colInd)).toEqual([0, 1]);
    expect(assignmentCost(cost, 2, a)).toBe(0 + 3);
  });

  it("handles empty matrices and refuses NaN, a wrong length or an infeasible matrix", () => {
    expect(linearSumAssignment(new Float64Array(0), 0, 4).colInd.length).toBe(0);
    expect(() => linearSumAssignment(Float64Array.from([1, NaN]), 1, 2)).toThrow(
      /cost\[0\]\[1\] is NaN/,
    );
    expect(() => linearSumAssignment(new Float64Array(5), 2, 3)).toThrow(
      /holds 5 values, expected 2 x 3 = 6/,
    );
    expect(() => linearSumAssignment(Float64Array.from([Infinity, Infinity, 1, 2]), 2, 2)).toThrow(
      /row 1 cannot be matched|row 0 cannot be matched/,
    );
  });
});

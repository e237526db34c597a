/**
 * npx tsx bench/assignment.ts
 *
 * Times linearSumAssignment (the MCC matching of synthetic/metricsMatching.ts) on |cos|-like
 * matrices of the two sizes that matter: 512 × 2048 (the scaled-down benchmark) and
 * 4096 × 16384 (SynthSAEBench-16k at width 4096). "random": every entry |N(0, 1/768)|, the |cos|
 * of random unit vectors in 768 dimensions (no structure: the most collisions); "planted": the
 * same plus one entry per row in [0.5, 1) at a random column, as a trained dictionary's matrix.
 * Prints CPU seconds (steadier than wall time on a shared machine) and wall seconds.
 */
import { seededRandom } from "../src/engine/dictionary/init.ts";
import { linearSumAssignment } from "../src/engine/synthetic/assignment.ts";

function absCosLike(rows: number, cols: number, planted: boolean, seed: number) {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < w.length; i++) w[i] = Math.abs(gauss() / Math.sqrt(768));
  if (planted) {
    for (let i = 0; i < rows; i++) w[i * cols + Math.floor(rand() * cols)] = 0.5 + 0.5 * rand();
  }
  return w;
}

for (const [rows, cols] of [
  [512, 2048],
  [4096, 16384],
] as const) {
  for (const planted of [false, true]) {
    const w = absCosLike(rows, cols, planted, 1);
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const a = linearSumAssignment(w, rows, cols, { maximize: true });
    const wallS = (performance.now() - wall) / 1000;
    const used = process.cpuUsage(cpu);
    let sum = 0;
    for (let k = 0; k < a.rowInd.length; k++) sum += w[a.rowInd[k]! * cols + a.colInd[k]!]!;
    console.log(
      `${rows} x ${cols} ${planted ? "planted" : "random "}: ` +
        `${((used.user + used.system) / 1e6).toFixed(2)} s CPU, ${wallS.toFixed(2)} s wall, ` +
        `mean matched ${(sum / rows).toFixed(4)}`,
    );
  }
}

/**
 * Times the weight-based connections on random transcoders of width 4096, per layer pair
 * (one d_sae × d product) and for the de-embedding over GPT-2's vocabulary.
 * npx tsx bench/weightConnections.ts
 */
import {
  deembedding,
  downstreamConnections,
  upstreamConnections,
  type TranscoderWeights,
} from "../src/engine/circuits/weightConnections.ts";
import { seededRandom } from "../src/engine/dictionary/init.ts";

const D_SAE = 4096;
const D_VOCAB = 50257;
const REPEATS = 5;
const rand = seededRandom(3);
const uniform = (n: number) => Float32Array.from({ length: n }, () => rand() - 0.5);

/** Fastest of REPEATS runs, in milliseconds of this process's CPU time. */
function cpuMs(run: () => unknown): number {
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

for (const d of [128, 768]) {
  const tc = (): TranscoderWeights => ({
    spec: { dIn: d, dSae: D_SAE, dOut: d },
    params: { wEnc: uniform(d * D_SAE), wDec: uniform(D_SAE * d) },
  });
  const pair = [tc(), tc()];
  const up = cpuMs(() => upstreamConnections(pair, 1, 17));
  const down = cpuMs(() => downstreamConnections(pair, 0, 17));
  const wE = uniform(D_VOCAB * d);
  const deemb = cpuMs(() => deembedding(wE, D_VOCAB, pair[0]!, 17));
  console.log(
    `d ${d}, d_sae ${D_SAE}: upstream ${up.toFixed(1)} ms, downstream ${down.toFixed(1)} ms per layer pair; ` +
      `de-embedding over ${D_VOCAB} tokens ${deemb.toFixed(1)} ms (CPU, fastest of ${REPEATS})`,
  );
}

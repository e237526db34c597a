/**
 * Per-feature firing probabilities and magnitudes, as SAELens's firing_probabilities.py and
 * firing_magnitudes.py generate them (random draws come from counterRandom.ts, not torch).
 */
import { STREAM, normals, rowKey, uniformAt } from "./counterRandom.ts";
import type { FiringProbabilityConfig, MagnitudeConfig } from "./syntheticConfig.ts";

/** torch.linspace(start, end, n) in float64. */
function linspace(start: number, end: number, n: number): Float64Array {
  if (n === 1) return Float64Array.of(start);
  return Float64Array.from({ length: n }, (_, i) => start + ((end - start) * i) / (n - 1));
}

/** Base probabilities, before any hierarchy compensation. */
export function firingProbabilities(
  n: number,
  cfg: FiringProbabilityConfig,
  seed: number,
): Float64Array {
  switch (cfg.generator_name) {
    case "zipfian": {
      if (n === 1) return Float64Array.of(cfg.max_prob);
      // q_r = r^-a rescaled so that rank 1 has max_prob and rank n has min_prob.
      const qMin = n ** -cfg.exponent;
      return Float64Array.from(
        { length: n },
        (_, i) =>
          cfg.min_prob +
          ((cfg.max_prob - cfg.min_prob) * ((i + 1) ** -cfg.exponent - qMin)) / (1 - qMin),
      );
    }
    case "linear":
      return linspace(cfg.max_prob, cfg.min_prob, n);
    case "random": {
      const key = rowKey(seed, 0, STREAM.randomProbabilities, 0);
      return Float64Array.from(
        { length: n },
        (_, i) => cfg.min_prob + (cfg.max_prob - cfg.min_prob) * uniformAt(key, i),
      );
    }
    case "constant":
      return new Float64Array(n).fill(cfg.probability);
  }
}

/** generate_magnitudes: a number is a constant; `stream` keys the folded normal's draws. */
export function firingMagnitudes(
  n: number,
  cfg: number | MagnitudeConfig,
  seed: number,
  stream: number,
): Float64Array {
  if (typeof cfg === "number") return new Float64Array(n).fill(cfg);
  switch (cfg.generator_name) {
    case "constant":
      return new Float64Array(n).fill(cfg.value);
    case "linear":
      return linspace(cfg.start, cfg.end, n);
    case "exponential": {
      const t = linspace(0, 1, n);
      return t.map((ti) => cfg.start * (cfg.end / cfg.start) ** ti);
    }
    case "folded_normal": {
      const z = normals(seed, stream, 0, n);
      const lo = cfg.min_value ?? -Infinity;
      const hi = cfg.max_value ?? Infinity;
      return z.map((zi) => Math.min(hi, Math.max(lo, Math.abs(cfg.mean + cfg.std * zi))));
    }
  }
}

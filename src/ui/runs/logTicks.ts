/**
 * A log axis's domain and ticks on the 1-2-5 ladder (…, 1, 2, 5, 10, 20, …).
 *
 * Recharts places a number axis's ticks of a horizontal chart at the data values when its scale
 * is not "auto" (combineAxisTicks with a categoricalDomain), so two runs with the same L0 gave
 * two ticks of the same value and key, one per point. Explicit ticks are each drawn once.
 */

const STEPS = [1, 2, 5] as const;
/** Above this many 1-2-5 ticks, only the powers of ten are kept. */
const MAX_TICKS = 7;

/** The i-th rung of the ladder: rung 0 is 1, rung 1 is 2, rung 3 is 10, rung -1 is 0.5. */
function rung(i: number): number {
  const decade = Math.floor(i / 3);
  return Number((STEPS[i - decade * 3]! * 10 ** decade).toPrecision(12));
}

/** The highest rung at or below v. */
function rungAtOrBelow(v: number): number {
  let i = 3 * Math.floor(Math.log10(v)) + 2;
  while (rung(i) > v) i--;
  return i;
}

/** The lowest rung at or above v. */
function rungAtOrAbove(v: number): number {
  let i = 3 * Math.floor(Math.log10(v));
  while (rung(i) < v) i++;
  return i;
}

/**
 * The domain [low, high] (rungs around the positive finite values; never a single point) and
 * its ticks, each value once. Undefined when no value is positive.
 */
export function logAxisTicks(
  values: readonly number[],
): { domain: [number, number]; ticks: number[] } | undefined {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return undefined;
  let lo = rungAtOrBelow(Math.min(...positive));
  let hi = rungAtOrAbove(Math.max(...positive));
  if (lo === hi) {
    lo--;
    hi++;
  }
  if (hi - lo + 1 > MAX_TICKS) {
    lo = 3 * Math.floor(lo / 3);
    hi = 3 * Math.ceil(hi / 3);
  }
  const ticks: number[] = [];
  for (let i = lo; i <= hi; i++) {
    if (hi - lo + 1 <= MAX_TICKS || i % 3 === 0) ticks.push(rung(i));
  }
  return { domain: [rung(lo), rung(hi)], ticks };
}

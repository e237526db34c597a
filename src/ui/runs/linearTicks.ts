/**
 * A linear axis's domain and ticks at a round step (1, 2, 2.5 or 5 × 10^k), always including
 * the anchors (0 and 1 for ce_loss_score, whose scale they define; 0 for FVU). Recharts's own
 * "auto" domain rounds past them (a CE axis up to 1.4 for scores below 1).
 */

const NICE = [1, 2, 2.5, 5, 10] as const;
/** About this many intervals. */
const INTERVALS = 5;

function niceStep(raw: number): number {
  const decade = 10 ** Math.floor(Math.log10(raw));
  const m = NICE.find((n) => n * decade >= raw * (1 - 1e-9)) ?? 10;
  return m * decade;
}

const clean = (v: number) => Number(v.toPrecision(12));

export function linearAxisTicks(
  values: readonly (number | undefined)[],
  anchors: readonly number[],
): { domain: [number, number]; ticks: number[] } {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  const lo = Math.min(...anchors, ...finite);
  let hi = Math.max(...anchors, ...finite);
  if (!(hi > lo)) hi = lo + 1;
  const step = niceStep((hi - lo) / INTERVALS);
  const first = Math.floor(clean(lo / step));
  const last = Math.ceil(clean(hi / step));
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(clean(i * step));
  return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks };
}

/**
 * The RdBu diverging scale SAELens's plot_sae_feature_similarity colours cosines with (Plotly's
 * "RdBu", ColorBrewer's 11 classes; seaborn's version draws the same): −1 dark red, 0 near
 * white, +1 dark blue, zmin −1 and zmax 1.
 */

type Rgb = readonly [number, number, number];

/** ColorBrewer RdBu, from −1 to +1 at equal steps. */
export const RDBU_STOPS: readonly Rgb[] = [
  [103, 0, 31],
  [178, 24, 43],
  [214, 96, 77],
  [244, 165, 130],
  [253, 219, 199],
  [247, 247, 247],
  [209, 229, 240],
  [146, 197, 222],
  [67, 147, 195],
  [33, 102, 172],
  [5, 48, 97],
];

/** A cell with no number (NaN): grey, so it never reads as a cosine of 0. */
export const MISSING_RGB: Rgb = [128, 128, 128];

/** The colour of a cosine: linear between the stops, clamped to [−1, 1]. */
export function rdbu(cos: number): Rgb {
  if (Number.isNaN(cos)) return MISSING_RGB;
  const t = ((Math.min(1, Math.max(-1, cos)) + 1) / 2) * (RDBU_STOPS.length - 1);
  const i = Math.min(Math.floor(t), RDBU_STOPS.length - 2);
  const f = t - i;
  const a = RDBU_STOPS[i]!;
  const b = RDBU_STOPS[i + 1]!;
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as unknown as Rgb;
}

/** The colour bar's CSS gradient, −1 at `from`'s opposite side and +1 toward `direction`. */
export function rdbuGradient(direction = "to top"): string {
  const stops = RDBU_STOPS.map(
    ([r, g, b], i) => `rgb(${r} ${g} ${b}) ${((i / (RDBU_STOPS.length - 1)) * 100).toFixed(1)}%`,
  );
  return `linear-gradient(${direction}, ${stops.join(", ")})`;
}

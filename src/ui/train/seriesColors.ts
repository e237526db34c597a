/** One hue per dictionary kind, the same in every chart; older runs are drawn fainter. */
export const KIND_COLORS: Record<string, string> = {
  sae: "#2f7be0",
  transcoder: "#e8731f",
};

export const KIND_LABELS: Record<string, string> = {
  sae: "SAE",
  transcoder: "Transcoder",
};

/** Stroke opacity of a run `age` runs older than the newest shown. */
export function runOpacity(age: number): number {
  return age === 0 ? 1 : Math.max(0.2, 0.45 - 0.08 * (age - 1));
}

/**
 * A sweep's shade of its kind's hue: the first value lightest, the last darkest, so the lines of
 * a sweep read in order (a sequential scale). One value keeps the kind's own colour.
 */
export function sweepShade(kind: string, index: number, count: number): string {
  const base = KIND_COLORS[kind] ?? "#888888";
  if (count <= 1) return base;
  const t = index / (count - 1);
  // From a tint (55% toward white) through the hue to a shade (35% toward black).
  const mix = (c: number) =>
    t < 0.5 ? c + (255 - c) * 0.55 * (1 - 2 * t) : c * (1 - 0.35 * (2 * t - 1));
  const rgb = [1, 3, 5].map((i) => Math.round(mix(parseInt(base.slice(i, i + 2), 16))));
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

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

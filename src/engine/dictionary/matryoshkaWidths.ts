/**
 * Matryoshka BatchTopK's nested prefixes of the latents (SAELens matryoshka_widths,
 * sae_lens/saes/matryoshka_batchtopk_sae.py@424e190): each width w is a prefix [0, w) whose
 * own reconstruction is a loss term; the last width is d_sae, the whole dictionary.
 *
 * SAELens's default is an empty list, which it refuses, and it appends d_sae with a warning
 * when the last width is another; here an empty list means the default ladder below, and a
 * last width other than d_sae is refused, so that a run says what it trains.
 */

/** Levels of the default ladder: d_sae/8, d_sae/4, d_sae/2, d_sae (64,128,256,512 for 512). */
const DEFAULT_LEVELS = 4;

/** The default ladder: d_sae halved three times, floored, without zeros or repeats. */
export function defaultMatryoshkaWidths(dSae: number): number[] {
  const widths: number[] = [];
  for (let level = DEFAULT_LEVELS - 1; level >= 0; level--) {
    const w = Math.floor(dSae / 2 ** level);
    if (w >= 1 && w !== widths[widths.length - 1]) widths.push(w);
  }
  return widths;
}

/** Why the widths cannot train a dictionary of dSae latents, or undefined when they can. */
export function matryoshkaWidthsProblem(
  widths: readonly number[],
  dSae: number,
): string | undefined {
  if (widths.length === 0) return "matryoshka_widths is empty";
  for (const [i, w] of widths.entries()) {
    if (!Number.isInteger(w) || w < 1) {
      return `matryoshka_widths[${i}] = ${w}: every width must be a positive integer`;
    }
    if (i > 0 && w <= widths[i - 1]!) {
      return `matryoshka_widths must be strictly increasing (${widths[i - 1]} then ${w})`;
    }
  }
  const last = widths[widths.length - 1];
  if (last !== dSae) return `the last of matryoshka_widths must be d_sae (${dSae}), got ${last}`;
  return undefined;
}

/** The widths a run trains: the default ladder for an empty list, else the list, checked. */
export function resolveMatryoshkaWidths(widths: readonly number[], dSae: number): number[] {
  if (widths.length === 0) return defaultMatryoshkaWidths(dSae);
  const problem = matryoshkaWidthsProblem(widths, dSae);
  if (problem !== undefined) throw new Error(problem);
  return [...widths];
}

/** "64,128,256,512" → [64, 128, 256, 512]; a specific error for anything else. */
export function parseMatryoshkaWidths(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  return parts.map((p, i) => {
    if (!/^\d+$/.test(p)) {
      throw new Error(
        `matryoshka widths "${text}": item ${i + 1} ("${p}") is not a positive integer`,
      );
    }
    return Number(p);
  });
}

import { describe, expect, it } from "vitest";
import { featureOrdering, heatmapWindow, roundCos, similarityHeatmap } from "./similarity.ts";

describe("similarity heatmap (plot_sae_feature_similarity's data)", () => {
  // 4 latents x 3 features, signed. Best |cos|: latent 0 -> 2, 1 -> 0, 2 -> 2, 3 -> 1 (-0.9).
  const cos = Float64Array.from([
    0.1, 0.2, 0.8, /**/ 0.7, 0.1, 0.0, /**/ 0.0, 0.3, 0.5, /**/ 0.2, -0.9, 0.4,
  ]);

  it("orders latents by their best feature, equal bests by latent index", () => {
    const { order, best } = featureOrdering(cos, 4, 3);
    expect(Array.from(best)).toEqual([2, 0, 2, 1]);
    expect(Array.from(order)).toEqual([1, 3, 0, 2]);
  });

  it("keeps signed values rounded to 2 decimals in the new row order, the encoder in the decoder's", () => {
    const encoderCos = Float64Array.from(cos, (c) => -c);
    const h = similarityHeatmap(cos, 4, 3, { encoderCos });
    expect(Array.from(h.latents)).toEqual([1, 3, 0, 2]);
    expect(h.features).toBe(3);
    const rows = (m: Float32Array) => Array.from(m, (v) => Number(v.toFixed(2)));
    expect(rows(h.decoder)).toEqual([0.7, 0.1, 0, 0.2, -0.9, 0.4, 0.1, 0.2, 0.8, 0, 0.3, 0.5]);
    expect(rows(h.encoder!)).toEqual(rows(h.decoder).map((v) => (v === 0 ? 0 : -v)));
  });

  it("crops to the first features and the latents matched inside them, at most maxLatents", () => {
    const { order, best } = featureOrdering(cos, 4, 3);
    const w = heatmapWindow(order, best, 3, { maxLatents: 10, maxFeatures: 2 });
    expect(w.features).toBe(2);
    expect(Array.from(w.latents)).toEqual([1, 3]);
    const h = similarityHeatmap(cos, 4, 3, { limits: { maxLatents: 1, maxFeatures: 3 } });
    expect(Array.from(h.latents)).toEqual([1]);
    expect(h.decoder.length).toBe(3);
  });

  it("rounds as torch.round: half to even, in float32", () => {
    expect(roundCos(0.125)).toBe(Math.fround(0.12));
    expect(roundCos(0.135)).toBe(Math.fround(0.14));
    expect(roundCos(-0.375)).toBe(Math.fround(-0.38));
    expect(roundCos(0.994)).toBe(Math.fround(0.99));
  });
});

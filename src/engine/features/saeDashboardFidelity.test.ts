/**
 * features.json against SAEDashboard's own definitions, on two small SAEs (standard and
 * JumpReLU) whose decoder rows are far from unit norm: the expected values are written out from
 * SAEDashboard's and SAELens's code by tools/make_dashboard_fixture.py (fold_W_dec_norm,
 * frac_nonzero with ignored tokens, torch.histc over the nonzero activations, the flat top-k
 * inside the (5, 5) buffer).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { foldForDashboards } from "./dashboardFold.ts";
import { featureStatsReference } from "./featureStatsReference.ts";
import { featuresJson } from "./featuresJson.ts";
import type { FeatureWindows } from "./featureWindows.ts";

interface Expected {
  frac_nonzero: number;
  max: number;
  bin_edges: number[];
  bar_heights: number[];
  top: [number, number, number][];
}
interface Fixture {
  d_in: number;
  d_sae: number;
  batch: number;
  seq: number;
  excluded: number[];
  x: number[];
  tokens: number[];
  standard: { params: Record<string, number[]>; features: Expected[] };
  jumprelu: { params: Record<string, number[]>; features: Expected[] };
}

const fixture = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "../../../test/fixtures/dashboards/saedashboard.json"),
    "utf8",
  ),
) as Fixture;
const { d_in: dIn, d_sae: dSae, batch, seq } = fixture;
const tokens = Uint32Array.from(fixture.tokens);
const windows: FeatureWindows = {
  seqLen: seq,
  count: batch,
  read: (first, n) => tokens.slice(first * seq, (first + n) * seq),
};
const INFO = {
  model: "fixture",
  dictionary: "fixture",
  source: "fixture",
  context_size: seq,
  prepend_bos: true,
  excluded_tokens: fixture.excluded,
  seed: 0,
};

/** features.json as `npm run features` writes it, on the fixture's activations. */
function dashboards(spec: DictionarySpec, raw: DictionaryParams) {
  const { params, latentScale } = foldForDashboards(spec, raw);
  const { latents } = inferenceReference(spec, params, fixture.x, batch * seq);
  if (latentScale) latents.forEach((v, i) => (latents[i] = v * latentScale[i % dSae]!));
  const stats = featureStatsReference(latents, tokens, dSae, seq, {
    seed: 0,
    excludeTokens: fixture.excluded,
  });
  const none = Array.from({ length: dSae }, () => ({ top: [], bottom: [] }));
  return featuresJson(
    INFO,
    spec,
    windows,
    stats,
    { logitsRaw: none, logitsLn: none, neighbors: none },
    { topExamples: 20, context: 5, decode: (t) => `<${t}>` },
  );
}

const close = (got: number, want: number) =>
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));

const written: ReturnType<typeof dashboards>[] = [];
for (const arch of ["standard", "jumprelu"] as const) {
  describe(`features.json of a ${arch} SAE, against SAEDashboard`, () => {
    const p = fixture[arch].params;
    const f32 = (name: string) => Float32Array.from(p[name]!);
    const spec: DictionarySpec = {
      kind: "sae",
      dIn,
      dSae,
      dOut: dIn,
      applyBDecToInput: true,
      hookName: "blocks.0.hook_resid_pre",
      hookNameOut: "blocks.0.hook_resid_pre",
      modelName: "fixture",
      normalizeActivations: "none",
      ...(arch === "jumprelu" ? { activation: { kind: "jumprelu", relu: true } } : {}),
    };
    const params: DictionaryParams = {
      wEnc: f32("W_enc"),
      bEnc: f32("b_enc"),
      wDec: f32("W_dec"),
      bDec: f32("b_dec"),
      ...(p.threshold ? { threshold: f32("threshold") } : {}),
    };
    const json = dashboards(spec, params);
    written.push(json);
    const want = fixture[arch].features;

    it("has SAEDashboard's density (frac_nonzero) and max activation, decoder norms folded", () => {
      expect(json.metadata.tokens_read).toBe(batch * seq);
      expect(json.metadata.tokens_counted).toBeLessThan(batch * seq);
      json.features.forEach((f, i) => {
        expect(f.density).toBeCloseTo(want[i]!.frac_nonzero, 12);
        close(f.max_activation, want[i]!.max);
      });
      expect(want.filter((w) => w.max > 0).length).toBe(dSae - 1);
    });

    it("has SAEDashboard's activation histogram (torch.histc over [min, max])", () => {
      json.features.forEach((f, i) => {
        expect(f.histogram.counts).toEqual(want[i]!.bar_heights);
        expect(f.histogram.bin_edges).toHaveLength(want[i]!.bin_edges.length);
        f.histogram.bin_edges.forEach((e, k) => close(e, want[i]!.bin_edges[k]!));
      });
    });

    it("has SAEDashboard's top examples (flat top-k inside the (5, 5) buffer)", () => {
      json.features.forEach((f, i) => {
        expect(f.top_examples.map((e) => [e.sequence, e.position])).toEqual(
          want[i]!.top.map(([s, pos]) => [s, pos]),
        );
        f.top_examples.forEach((e, k) => close(e.activation, want[i]!.top[k]![2]));
      });
    });

    it("writes a dead feature's histograms empty, and no NaN anywhere", () => {
      const dead = json.features[dSae - 1]!;
      expect(dead.count).toBe(0);
      expect(dead.histogram).toEqual({ bin_edges: [], counts: [] });
      expect(dead.log_histogram).toEqual({ bin_edges: [], counts: [] });
      expect(JSON.stringify(json)).not.toContain("null");
    });
  });
}

describe("the fixture", () => {
  it("has a feature whose maximum is outside the buffer, and one with 3 examples from a window", () => {
    const features = written.flatMap((j) => j.features);
    const maxOutside = features.some(
      (f) => f.count > 0 && f.top_examples[0]!.activation < f.max_activation,
    );
    const threeFromOne = features.some((f) =>
      [0, 1, 2].some((s) => f.top_examples.filter((e) => e.sequence === s).length > 2),
    );
    expect([maxOutside, threeFromOne]).toEqual([true, true]);
  });
});

describe("the activation histogram's bins", () => {
  // torch.histc(torch.tensor(values), bins=50).nonzero() for these values gives these bins.
  const cases: [number[], number[]][] = [
    [
      [0.6, 0.65, 0.7, 0.8, 0.9, 1.0],
      [0, 6, 12, 25, 37, 49],
    ],
    [[0.7, 0.7, 0.7], [25]],
  ];
  for (const [values, bins] of cases) {
    it(`bins ${values.join(", ")} as torch.histc does`, () => {
      const stats = featureStatsReference(
        values,
        [1, 2, 3, 4, 5, 6].slice(0, values.length),
        1,
        24,
        {
          seed: 0,
          excludeTokens: [],
        },
      );
      const linear = Array.from(stats.histograms.subarray(0, 50));
      expect(linear.flatMap((c, b) => (c > 0 ? [b] : []))).toEqual(bins);
    });
  }
});

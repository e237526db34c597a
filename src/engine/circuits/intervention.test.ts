import { describe, expect, it } from "vitest";
import { loadModelFolder } from "../../node/modelFolder.ts";
import { referenceForward } from "../model/gpt2Reference.ts";
import { hookName } from "../model/hooks.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { encodeText } from "../text/tokenizer.ts";
import { adjacencyRowsReference } from "./adjacencyReference.ts";
import { withBos } from "./attributionNodes.ts";
import { setUpAttribution } from "./attributionSetup.ts";
import { featureIntervention } from "./intervention.ts";
import { patchedForward } from "./interventionForward.ts";
import { frozenModelOf } from "./interventionFrozenModel.ts";
import { centredLogit } from "./interventionLogits.ts";
import type { FeatureIntervention } from "./interventionTypes.ts";
import { randomTranscoderSet } from "./randomTranscoderSet.ts";

const weights = await loadModelFolder("builtin", { processing: true });
const d = weights.config.dModel;
const V = weights.config.vocabSize;
const set = randomTranscoderSet(
  d,
  [
    { dSae: 32, activation: { kind: "relu" } },
    { dSae: 48, activation: { kind: "topk", k: 8 }, skip: true },
    { dSae: 32, activation: { kind: "jumprelu", relu: false }, skip: true },
    { dSae: 40, activation: { kind: "topk", k: 6 } },
  ],
  5,
  "gpt2-brown (built-in)",
);
const tokens = withBos(encodeText("The cat sat on the"));
const P = tokens.length;
const setup = setUpAttribution(weights, set, tokens);
const { problem, forward } = setup;

/** The first active feature node of `layer` at `pos` (the graph's own nodes). */
function activeFeature(layer: number, pos: number): { index: number; feature: number } {
  const index = problem.nodes.findIndex(
    (n) => n.type === "feature" && n.layer === layer && n.pos === pos,
  );
  const node = problem.nodes[index]!;
  if (node.type !== "feature") throw new Error(`no active feature at layer ${layer}, pos ${pos}`);
  return { index, feature: node.feature };
}

/** A transcoder's latents of one row, by the float64 inference every format is tested on. */
function latentsOf(layer: number, row: Float64Array): Float64Array {
  const t = set.layers[layer]!;
  return inferenceReference(t.spec, t.params, row, 1).latents;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("feature intervention on the built-in model", () => {
  const early = activeFeature(1, 2);
  const late = activeFeature(2, P - 1);

  it("ablating equals subtracting a·W_dec at the site, the later layer re-encoded (live attention)", () => {
    const interventions: FeatureIntervention[] = [
      { layer: 1, pos: 2, feature: early.feature, multiplier: 0 },
      { layer: 2, pos: P - 1, feature: late.feature, multiplier: 0.5 },
    ];
    const got = featureIntervention(weights, set, tokens, interventions, {
      freezeAttention: false,
      topK: 5,
    });
    // Independently: the plain reference forward, spliced at the two MLP outputs.
    const clean = referenceForward(weights, tokens);
    const cleanAt = (layer: number, pos: number, feature: number) =>
      latentsOf(
        layer,
        clean.hooks.get(hookName(layer, "ln2.hook_normalized"))!.subarray(pos * d, (pos + 1) * d),
      )[feature]!;
    const a1 = cleanAt(1, 2, early.feature);
    const a2 = cleanAt(2, P - 1, late.feature);
    expect(a1).toBeGreaterThan(0);
    let input2 = new Float64Array(0);
    const spliced = referenceForward(weights, tokens, (name, acts) => {
      if (name === hookName(2, "ln2.hook_normalized")) input2 = Float64Array.from(acts);
      const add = (pos: number, feature: number, delta: number, wDec: Float32Array) => {
        for (let c = 0; c < d; c++) acts[pos * d + c]! += delta * wDec[feature * d + c]!;
      };
      if (name === hookName(1, "hook_mlp_out"))
        add(2, early.feature, -a1, set.layers[1]!.params.wDec);
      if (name === hookName(2, "hook_mlp_out")) {
        const now = latentsOf(2, input2.subarray((P - 1) * d, P * d))[late.feature]!;
        add(P - 1, late.feature, 0.5 * a2 - now, set.layers[2]!.params.wDec);
      }
    });
    const want = spliced.logits.subarray((P - 1) * V, P * V);
    expect(got.interventions.map((iv) => iv.activation)).toEqual([
      expect.closeTo(a1, 12),
      expect.closeTo(a2, 12),
    ]);
    for (const c of got.changes) {
      expect(c.after).toBeCloseTo(centredLogit(want, c.token), 9);
    }
    expect(got.after[0]!.logit).toBeCloseTo(want[got.after[0]!.token]!, 9);
    expect(Math.max(...got.changes.map((c) => Math.abs(c.actual)))).toBeGreaterThan(1e-3);
  });

  it("changes nothing with multiplier 1, in either downstream model", () => {
    for (const downstream of ["model", "frozen-errors"] as const) {
      const got = featureIntervention(
        weights,
        set,
        tokens,
        [
          { layer: 0, pos: 1, feature: activeFeature(0, 1).feature, multiplier: 1 },
          { layer: 2, pos: P - 1, feature: late.feature, multiplier: 1 },
        ],
        { downstream, generate: 2, topK: 5 },
      );
      const tolerance = downstream === "model" ? 0 : 1e-12;
      for (const c of got.changes) {
        expect(Math.abs(c.actual)).toBeLessThanOrEqual(tolerance);
        expect(c.predicted).toBe(0);
      }
      expect(got.after.map((t) => t.token)).toEqual(got.before.map((t) => t.token));
      expect(got.generated!.after).toEqual(got.generated!.before);
      expect(got.generated!.before).toHaveLength(2);
    }
  });

  it("predicts Σ (m − 1) · A[logit, feature] from the graph's own adjacency rows", () => {
    const rows = adjacencyRowsReference(forward.model, problem.sources, problem.logitTargets);
    const S = problem.sources.count;
    const picks = [activeFeature(0, 3), early, late];
    const multipliers = [0, 2.5, -1];
    const got = featureIntervention(
      weights,
      set,
      tokens,
      picks.map((p, i) => {
        const node = problem.nodes[p.index]!;
        if (node.type !== "feature") throw new Error("not a feature");
        return {
          layer: node.layer,
          pos: node.pos,
          feature: node.feature,
          multiplier: multipliers[i]!,
        };
      }),
    );
    problem.nodes.slice(-problem.nLogits).forEach((node, k) => {
      if (node.type !== "logit") throw new Error("not a logit");
      const change = got.changes.find((c) => c.token === node.token)!;
      let want = 0;
      picks.forEach((p, i) => (want += (multipliers[i]! - 1) * rows[k * S + p.index]!));
      // The graph's source vectors a·W_dec are float32.
      expect(Math.abs(change.predicted - want)).toBeLessThan(1e-6 * Math.max(1, Math.abs(want)));
    });
  });

  it("a last-layer feature's direct effect is its whole effect, up to ln_final's scale (held: exactly)", () => {
    const { feature } = activeFeature(3, P - 1);
    const clean = referenceForward(weights, tokens);
    const resid = clean.hooks.get(hookName(3, "hook_resid_post"))!.subarray((P - 1) * d, P * d);
    const s = lnScale(resid);
    for (const multiplier of [0, 3]) {
      const got = featureIntervention(weights, set, tokens, [
        { layer: 3, pos: P - 1, feature, multiplier },
      ]);
      const { activation } = got.interventions[0]!;
      const wDec = set.layers[3]!.params.wDec;
      const moved = resid.map((v, c) => v + (multiplier - 1) * activation * wDec[feature * d + c]!);
      const ratio = s / lnScale(moved);
      expect(Math.abs(ratio - 1)).toBeGreaterThan(1e-4);
      for (const c of got.changes) {
        // centred logit = L + b̄ with L = ū·(x − x̄)/s: after = (s/s')(L + predicted) + b̄.
        const bias = weights.bU[c.token]!;
        const L = c.before - bias;
        expect(c.after - bias).toBeCloseTo(ratio * (L + c.predicted), 9);
        // Held at the clean scale, as the graph holds it, the actual change is the predicted one.
        const size = Math.max(Math.abs(c.predicted), 1e-3);
        expect(Math.abs(c.actualLnFinalScaleHeld - c.predicted) / size).toBeLessThan(1e-6);
      }
    }
  });

  it("with ln_final's scale held, earlier layers keep their indirect paths: actual ≠ predicted", () => {
    const clean = referenceForward(weights, tokens);
    const lastResid = (hooks: Map<string, Float64Array>) =>
      hooks.get(hookName(3, "hook_resid_post"))!.subarray((P - 1) * d, P * d);
    const cleanScale = lnScale(lastResid(clean.hooks));
    const [layer, pos] = [1, 2];
    const { feature } = activeFeature(layer, pos);
    const ablate = [{ layer, pos, feature, multiplier: 0 }];
    // Independently (live attention, as the plain reference runs): the spliced reference's last
    // residual through ln_final at the clean run's scale.
    const live = featureIntervention(weights, set, tokens, ablate, { freezeAttention: false });
    const a = live.interventions[0]!.activation;
    const wDec = set.layers[layer]!.params.wDec;
    const spliced = referenceForward(weights, tokens, (name, acts) => {
      if (name !== hookName(layer, "hook_mlp_out")) return;
      for (let c = 0; c < d; c++) acts[pos * d + c]! -= a * wDec[feature * d + c]!;
    });
    const held = logitsAtScale(lastResid(spliced.hooks), cleanScale);
    for (const c of live.changes) {
      expect(c.actualLnFinalScaleHeld).toBeCloseTo(centredLogit(held, c.token) - c.before, 9);
    }
    // circuit-tracer's frozen attention: the later MLPs still respond, so the direct edge is
    // not the whole effect.
    const frozen = featureIntervention(weights, set, tokens, ablate);
    const top = frozen.changes[0]!;
    expect(Math.abs(top.predicted)).toBeGreaterThan(1e-3);
    expect(Math.abs(top.actualLnFinalScaleHeld - top.predicted)).toBeGreaterThan(
      0.1 * Math.abs(top.predicted),
    );
  });

  it("holds the clean attention patterns: layer 2's attention output from them, after a change at layer 1", () => {
    const nudge = Float64Array.from({ length: d }, (_, c) => Math.sin(c) * 3);
    const run = (frozen: boolean) => {
      const seen: { residPre?: Float64Array; attnOut?: Float64Array } = {};
      patchedForward(weights, tokens, {
        frozen: frozen ? { rows: P, patterns: cleanRun.patterns } : undefined,
        onHook: (layer, site, acts) => {
          if (layer === 1 && site === "hook_mlp_out") {
            for (let c = 0; c < d; c++) acts[(P - 1) * d + c]! += nudge[c]!;
          }
          if (layer === 2 && site === "hook_resid_pre") seen.residPre = Float64Array.from(acts);
          if (layer === 2 && site === "hook_attn_out") seen.attnOut = Float64Array.from(acts);
        },
      });
      return seen as Required<typeof seen>;
    };
    const cleanRun = patchedForward(weights, tokens);
    const frozen = run(true);
    // The attribution's frozen model (modelFreeze.ts) holds the clean patterns, W_V and W_O.
    const want = frozenAttentionOut(frozen.residPre, forward.model.layers[2]!.pattern, 2);
    expect(maxAbsDiff(frozen.attnOut, want)).toBeLessThan(1e-10);
    const live = run(false);
    expect(
      maxAbsDiff(
        live.attnOut,
        frozenAttentionOut(live.residPre, forward.model.layers[2]!.pattern, 2),
      ),
    ).toBeGreaterThan(1e-6);
  });

  it("predicts through the graph's own frozen model (scales, patterns, W_V, W_O, W_skip)", () => {
    const hooks = new Map<string, Float64Array>();
    const clean = patchedForward(weights, tokens, {
      onHook: (layer, site, acts) => hooks.set(hookName(layer, site), Float64Array.from(acts)),
    });
    const mine = frozenModelOf(
      weights,
      set,
      { at: (layer, site) => hooks.get(hookName(layer, site))!, patterns: clean.patterns },
      P,
    );
    const graph = forward.model;
    expect(maxAbsDiff(mine.lnFinalScale, graph.lnFinalScale)).toBeLessThan(1e-12);
    mine.layers.forEach((layer, l) => {
      const g = graph.layers[l]!;
      expect(maxAbsDiff(layer.ln1Scale, g.ln1Scale)).toBeLessThan(1e-12);
      expect(maxAbsDiff(layer.ln2Scale, g.ln2Scale)).toBeLessThan(1e-12);
      expect(maxAbsDiff(layer.pattern, g.pattern)).toBeLessThan(1e-12);
      expect(layer.wV).toEqual(g.wV);
      expect(layer.wO).toBe(g.wO);
      expect(layer.wSkip).toBe(g.wSkip);
    });
    expect(mine.layers[1]!.wSkip).toBeDefined();
  });

  it("refuses a bad intervention saying which and why", () => {
    const run = (iv: FeatureIntervention) => () => featureIntervention(weights, set, tokens, [iv]);
    expect(run({ layer: 4, pos: 1, feature: 0, multiplier: 0 })).toThrow(/layer must be 0\.\.3/);
    expect(run({ layer: 0, pos: P, feature: 0, multiplier: 0 })).toThrow(
      new RegExp(`position must be 0\\.\\.${P - 1}`),
    );
    expect(run({ layer: 0, pos: 1, feature: 32, multiplier: 0 })).toThrow(
      /feature must be 0\.\.31/,
    );
    expect(run({ layer: 0, pos: 1, feature: 0, multiplier: NaN })).toThrow(/finite/);
    const twice = { layer: 0, pos: 1, feature: 3, multiplier: 0 };
    expect(() => featureIntervention(weights, set, tokens, [twice, twice])).toThrow(/listed twice/);
    const partial = {
      modelName: set.modelName,
      layers: [set.layers[0], undefined, set.layers[2], set.layers[3]],
    };
    expect(() =>
      featureIntervention(weights, partial, tokens, [
        { layer: 1, pos: 1, feature: 0, multiplier: 0 },
      ]),
    ).toThrow(/no transcoder at layer 1/);
  });
});

/** Σ_h Σ_q pattern[h, p, q] (LN(x_q) W_V^h) W_O^h + b_O, every position p. */
function frozenAttentionOut(x: Float64Array, pattern: Float64Array, layer: number): Float64Array {
  const { nHead: H, dHead: DH } = weights.config;
  const { wV, wO } = forward.model.layers[layer]!;
  const bO = weights.layers[layer]!.bO;
  const v = new Float64Array(P * d);
  for (let q = 0; q < P; q++) {
    const row = x.subarray(q * d, (q + 1) * d);
    const s = lnScale(row);
    let mean = 0;
    for (const r of row) mean += r / d;
    for (let c = 0; c < d; c++) {
      const n = (row[c]! - mean) / s;
      for (let j = 0; j < d; j++) v[q * d + j]! += n * wV[c * d + j]!;
    }
  }
  const out = new Float64Array(P * d);
  for (let p = 0; p < P; p++) {
    const z = new Float64Array(d);
    for (let h = 0; h < H; h++) {
      for (let q = 0; q <= p; q++) {
        const a = pattern[(h * P + p) * P + q]!;
        for (let i = 0; i < DH; i++) z[h * DH + i]! += a * v[q * d + h * DH + i]!;
      }
    }
    for (let j = 0; j < d; j++) {
      let o = bO[j]!;
      for (let k = 0; k < d; k++) o += z[k]! * wO[k * d + j]!;
      out[p * d + j] = o;
    }
  }
  return out;
}

function lnScale(x: ArrayLike<number>): number {
  let mean = 0;
  for (let c = 0; c < x.length; c++) mean += x[c]!;
  mean /= x.length;
  let v = 0;
  for (let c = 0; c < x.length; c++) v += (x[c]! - mean) ** 2;
  return Math.sqrt(v / x.length + weights.config.lnEps);
}

/** The logits of a last-position residual x through ln_final with its scale set to `scale`. */
function logitsAtScale(x: Float64Array, scale: number): Float64Array {
  let mean = 0;
  for (const v of x) mean += v / d;
  const logits = Float64Array.from(weights.bU);
  for (let c = 0; c < d; c++) {
    const n = ((x[c]! - mean) / scale) * weights.lnFW[c]! + weights.lnFB[c]!;
    for (let k = 0; k < V; k++) logits[k]! += n * weights.wU[c * V + k]!;
  }
  return logits;
}

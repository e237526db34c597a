import type { InterventionHook } from "./interventionForward.ts";
import type { AppliedIntervention, InterventionDownstream } from "./interventionTypes.ts";
import { captureLayer, type LayerCapture } from "./transcoderCapture.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

export interface InterventionHookSetup {
  set: TranscoderSet;
  /** The clean prompt's captures per layer (activations, error nodes, MLP outputs). */
  captures: readonly LayerCapture[];
  interventions: readonly AppliedIntervention[];
  downstream: InterventionDownstream;
  /** The prompt's length P: positions at and after it are generated ones, never intervened. */
  positions: number;
  dModel: number;
}

/**
 * The hook of an intervened run: it keeps each layer's ln2.hook_normalized, and at its
 * hook_mlp_out adds (value − current activation) · W_dec[f] for each intervention of that layer,
 * the current activation being the transcoder's encoding of that input (circuit-tracer's
 * calculate_delta_hook). With "frozen-errors", the prompt's MLP outputs are first replaced by
 * the replacement model's: reconstruction + the clean error node; at BOS, and at every position
 * of a layer without a transcoder, the clean output (those are constants in the graph).
 */
export function interventionHook(setup: InterventionHookSetup): InterventionHook {
  const { set, captures, interventions, downstream, positions: P, dModel: d } = setup;
  const byLayer = new Map<number, AppliedIntervention[]>();
  for (const iv of interventions) byLayer.set(iv.layer, [...(byLayer.get(iv.layer) ?? []), iv]);
  const inputs: Float64Array[] = [];
  return (layer, site, acts) => {
    if (site === "ln2.hook_normalized") inputs[layer] = acts;
    if (site !== "hook_mlp_out") return;
    const input = inputs[layer]!;
    const t = set.layers[layer];
    const encoded = new Map<number, LayerCapture>();
    const encode = (pos: number) => {
      let cap = encoded.get(pos);
      if (!cap) {
        cap = encodeRow(t!, input.subarray(pos * d, (pos + 1) * d), d);
        encoded.set(pos, cap);
      }
      return cap;
    };
    if (downstream === "frozen-errors") {
      const clean = captures[layer]!;
      for (let pos = 0; pos < P; pos++) {
        const row = acts.subarray(pos * d, (pos + 1) * d);
        if (!t || pos === 0) {
          row.set(clean.mlpOut.subarray(pos * d, (pos + 1) * d));
          continue;
        }
        const { reconstruction } = encode(pos);
        for (let c = 0; c < d; c++) row[c] = reconstruction[c]! + clean.error[pos * d + c]!;
      }
    }
    for (const iv of byLayer.get(layer) ?? []) {
      const current = encode(iv.pos).acts[iv.feature]!;
      const delta = iv.value - current;
      if (delta === 0) continue;
      const wDec = t!.params.wDec;
      for (let c = 0; c < d; c++) acts[iv.pos * d + c]! += delta * wDec[iv.feature * d + c]!;
    }
  };
}

/** One token through a transcoder: its activations and reconstruction. */
function encodeRow(t: SetTranscoder, input: Float64Array, d: number): LayerCapture {
  return captureLayer(t, input, new Float64Array(d), 1, d);
}

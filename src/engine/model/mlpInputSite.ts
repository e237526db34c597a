/**
 * sparsify and circuit-tracer / mwhanna transcoders read the MLP module's input: ln_2's output
 * after its gain γ and bias β, γ⊙x̂ + β (SAELens names it blocks.L.mlp.hook_in, on a model
 * loaded with fold_ln=False). This engine's ln2.hook_normalized is x̂, before them, on processed
 * and unprocessed weights alike. Such a dictionary is bound to the model it runs on by folding
 * that model's unprocessed γ, β into the weights that read the input:
 *   W_enc' = diag(γ)·W_enc, b_enc' = b_enc + β·W_enc; W_skip' = W_skip·diag(γ), b_dec' = b_dec + W_skip·β,
 * after which it reads blocks.L.ln2.hook_normalized and computes exactly what it computes on
 * γ⊙x̂ + β. Sums run in float64.
 */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import type { Gpt2Weights, LayerNormAffine } from "./gpt2Weights.ts";

/** The site name (after blocks.L.) of the MLP module's input, as SAELens's loaders write it. */
export const MLP_INPUT_SITE = "mlp.hook_in";

/** What a dictionary reading the MLP's input needs of the model it runs on. */
export interface ModelLn2 {
  config: Gpt2Config;
  ln2Unprocessed: readonly LayerNormAffine[];
}

/** The layer whose MLP input the dictionary reads, or undefined for any other site. */
export function mlpInputLayer(spec: DictionarySpec): number | undefined {
  const m = /^blocks\.(\d+)\.mlp\.hook_in$/.exec(spec.hookName);
  return m ? Number(m[1]) : undefined;
}

/** ln_2's gain and bias as the checkpoint holds them, whether or not `w` is processed. */
export function unprocessedLn2(w: Gpt2Weights): LayerNormAffine[] {
  if (w.ln2Unprocessed) return w.ln2Unprocessed;
  if (w.processed) {
    throw new Error("these processed weights lost ln_2's gain and bias (no ln2Unprocessed)");
  }
  return w.layers.map((l) => ({ gain: l.ln2W, bias: l.ln2B }));
}

/** Said when a dictionary reading the MLP's input is recognised. */
export function mlpInputNote(layer: number, reader: string): string {
  return (
    `${reader} reads the MLP module's input, ln_2's output after its gain and bias ` +
    `(blocks.${layer}.mlp.hook_in, as SAELens names it with fold_ln=False); on a model, that ` +
    `model's ln_2 gain and bias are folded into the encoder and it reads blocks.${layer}.ln2.hook_normalized`
  );
}

/** Said when the fold is done. */
export function foldedNote(layer: number, modelLabel: string): string {
  return (
    `ln_2's γ and β (from ${modelLabel}, layer ${layer}) folded into the encoder, ` +
    `because this dictionary reads the MLP module's input (γ⊙x̂ + β), not ln2.hook_normalized (x̂)`
  );
}

const folded = new WeakMap<
  DictionaryParams,
  { affine: LayerNormAffine; spec: DictionarySpec; params: DictionaryParams }
>();

/**
 * The dictionary as it runs on `model`: unchanged unless it is a transcoder reading
 * blocks.L.mlp.hook_in, then with
 * layer L's γ, β folded in and reading blocks.L.ln2.hook_normalized. A dictionary that cannot run
 * on the model (no layer L, another width) is returned as it is, for dictionaryMismatch to say
 * why. The fold is kept per params and model, so repeated calls give the same arrays.
 */
export function bindToModel<T extends { spec: DictionarySpec; params: DictionaryParams }>(
  d: T,
  model: ModelLn2,
): T {
  const layer = mlpInputLayer(d.spec);
  const affine = layer === undefined ? undefined : model.ln2Unprocessed[layer];
  // An SAE there would reconstruct γ⊙x̂ + β, a site this engine does not have (dictionaryMismatch).
  if (layer === undefined || !affine || d.spec.kind !== "transcoder") return d;
  if (d.spec.dIn !== model.config.dModel) return d;
  if (d.spec.normalizeActivations !== "none") {
    throw new Error(
      `this dictionary reads blocks.${layer}.mlp.hook_in with normalize_activations ` +
        `${d.spec.normalizeActivations}; ln_2's gain and bias cannot be folded through a ` +
        "per-token normalisation, so it cannot run on this engine's ln2.hook_normalized",
    );
  }
  const cached = folded.get(d.params);
  if (cached?.affine === affine) return { ...d, spec: cached.spec, params: cached.params };
  const spec: DictionarySpec = { ...d.spec, hookName: `blocks.${layer}.ln2.hook_normalized` };
  const params = foldInputAffine(d.spec, d.params, affine);
  folded.set(d.params, { affine, spec, params });
  return { ...d, spec, params };
}

/** The weights that read the input x, rewritten to read x̂ where x = γ⊙x̂ + β. */
export function foldInputAffine(
  spec: DictionarySpec,
  p: DictionaryParams,
  { gain, bias }: LayerNormAffine,
): DictionaryParams {
  const { dIn, dSae, dOut } = spec;
  const wEnc = new Float32Array(dIn * dSae);
  const bEnc = Float64Array.from(p.bEnc);
  for (let r = 0; r < dIn; r++) {
    const g = gain[r]!;
    const b = bias[r]!;
    for (let c = 0; c < dSae; c++) {
      const w = p.wEnc[r * dSae + c]!;
      wEnc[r * dSae + c] = g * w;
      bEnc[c] = bEnc[c]! + b * w;
    }
  }
  const out: DictionaryParams = { ...p, wEnc, bEnc: Float32Array.from(bEnc) };
  if (p.wSkip) {
    const wSkip = new Float32Array(dOut * dIn);
    const bDec = Float64Array.from(p.bDec);
    for (let o = 0; o < dOut; o++) {
      for (let i = 0; i < dIn; i++) {
        const w = p.wSkip[o * dIn + i]!;
        wSkip[o * dIn + i] = w * gain[i]!;
        bDec[o] = bDec[o]! + w * bias[i]!;
      }
    }
    out.wSkip = wSkip;
    out.bDec = Float32Array.from(bDec);
  }
  return out;
}

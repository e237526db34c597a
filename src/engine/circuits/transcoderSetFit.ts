import type { Gpt2Config } from "../model/gpt2Config.ts";
import { transcoderSites } from "../model/hooks.ts";
import { activationOf } from "../dictionary/spec.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

/**
 * Refuses, in one line naming the layer and the transcoder's source, a set that does not fit
 * the model: a transcoder per layer at most, each reading blocks.ℓ.ln2.hook_normalized and
 * writing blocks.ℓ.hook_mlp_out, d_model wide on both sides, with every tensor its spec needs.
 */
export function checkSetFits(set: TranscoderSet, config: Gpt2Config): void {
  if (set.layers.length > config.nLayer) {
    throw new Error(
      `the transcoder set has ${set.layers.length} layers; the model has ${config.nLayer}`,
    );
  }
  set.layers.forEach((t, layer) => {
    if (t) checkTranscoderFits(t, layer, config.dModel);
  });
}

function checkTranscoderFits(t: SetTranscoder, layer: number, d: number): void {
  const fail = (what: string): never => {
    throw new Error(`layer ${layer} transcoder (${t.source}): ${what}`);
  };
  const { spec, params } = t;
  const sites = transcoderSites(layer);
  if (spec.kind !== "transcoder") fail(`is an ${spec.kind}, not a transcoder`);
  if (spec.hookName !== sites.input) {
    fail(`reads ${spec.hookName}; a layer-${layer} transcoder must read ${sites.input}`);
  }
  if (spec.hookNameOut !== sites.output) {
    fail(`writes ${spec.hookNameOut}; a layer-${layer} transcoder must write ${sites.output}`);
  }
  if (spec.dIn !== d || spec.dOut !== d) {
    fail(`maps d_in ${spec.dIn} to d_out ${spec.dOut}; the model's d_model is ${d}`);
  }
  if (spec.normalizeActivations === "expected_average_only_in") {
    fail("normalize_activations is expected_average_only_in with no known scale to fold in");
  }
  const expectLength = (name: string, a: ArrayLike<number> | undefined, n: number) => {
    if (a === undefined) fail(`${name} is missing`);
    else if (a.length !== n) fail(`${name} has ${a.length} values; expected ${n}`);
  };
  const dSae = spec.dSae;
  expectLength("W_enc", params.wEnc, d * dSae);
  expectLength("b_enc", params.bEnc, dSae);
  expectLength("W_dec", params.wDec, dSae * d);
  expectLength("b_dec", params.bDec, d);
  if (activationOf(spec).kind === "jumprelu") expectLength("threshold", params.threshold, dSae);
  if (spec.skip) expectLength("W_skip", params.wSkip, d * d);
}

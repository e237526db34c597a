import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import type { SetTranscoder, TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import type { TranscoderSetRef } from "./interventionProtocol.ts";
import type { FeatureDictionaryRef } from "./protocol.ts";

export interface SetSources {
  /** A dictionary by reference, bound to the model in use (as the inspector reads it). */
  dictionary: (
    ref: FeatureDictionaryRef,
  ) => Promise<{ spec: DictionarySpec; params: DictionaryParams; label: string }>;
  /** A finished run's dictionary ids (its saved weights), or undefined if none are saved. */
  runDictionaryIds: (runId: string) => Promise<string[] | undefined>;
  nLayer: number;
  modelName: string;
}

/**
 * The transcoder set a reference names: a run's transcoders, or loaded dictionaries, placed by
 * the layer of the MLP they replace. A layer may be left without one; two for a layer are refused.
 */
export async function resolveTranscoderSet(
  ref: TranscoderSetRef,
  sources: SetSources,
): Promise<TranscoderSet> {
  const refs: FeatureDictionaryRef[] =
    ref.kind === "loaded"
      ? ref.loadIds.map((loadId) => ({ kind: "loaded", loadId }))
      : await runRefs(ref.runId, sources);
  const found = await Promise.all(refs.map((r) => sources.dictionary(r)));
  const layers: (SetTranscoder | undefined)[] = Array.from(
    { length: sources.nLayer },
    () => undefined,
  );
  for (const d of found) {
    if (d.spec.kind !== "transcoder") {
      if (ref.kind === "run") continue;
      throw new Error(`${d.label} is an SAE; a transcoder set holds transcoders`);
    }
    const layer = Number(/^blocks\.(\d+)\.ln2\.hook_normalized$/.exec(d.spec.hookName)?.[1]);
    if (!(layer >= 0 && layer < sources.nLayer)) {
      throw new Error(
        `${d.label} reads ${d.spec.hookName}; a set's transcoders read blocks.L.ln2.hook_normalized`,
      );
    }
    if (layers[layer]) {
      throw new Error(
        `${d.label} is a second transcoder for layer ${layer} (the first is ${layers[layer].source})`,
      );
    }
    // A run's final weights work on raw activations: a constant normalisation scale is folded in.
    const spec =
      ref.kind === "run" && d.spec.normalizeActivations === "expected_average_only_in"
        ? { ...d.spec, normalizeActivations: "none" as const }
        : d.spec;
    layers[layer] = { spec, params: d.params, source: d.label };
  }
  if (layers.every((t) => t === undefined)) throw new Error("the set holds no transcoders");
  return { modelName: sources.modelName, layers };
}

async function runRefs(runId: string, sources: SetSources): Promise<FeatureDictionaryRef[]> {
  const ids = await sources.runDictionaryIds(runId);
  if (!ids) throw new Error("this run has no saved weights yet (they are saved when it ends)");
  return ids.map((dictionaryId) => ({ kind: "run", runId, dictionaryId }));
}

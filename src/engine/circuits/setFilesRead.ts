/**
 * readTranscoderSet: the files a person gives (the page's picks and drops, the command line's
 * --transcoders PATH...) as a TranscoderSet bound to the model it will run on. Each FileSet is a
 * set folder written here, a circuit-tracer config with its layer files, or per-layer files of
 * any format recognize() reads, several to a folder or one per FileSet.
 */
import {
  describeRecognized,
  recognize,
  type RecognizeOptions,
} from "../formats/recognize/index.ts";
import { withNormScale } from "../formats/recognize/finishLoad.ts";
import type { FileSet } from "../formats/fileSet.ts";
import { FormatError } from "../formats/formatError.ts";
import { dictionaryMismatch } from "../model/compatibility.ts";
import { bindToModel, type ModelLn2 } from "../model/mlpInputSite.ts";
import { findSetConfigs, readSetConfig } from "./setFilesConfig.ts";
import { splitDictionaries } from "./setFilesItems.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

/** The model a set is bound to: its config, ln_2's unprocessed affine, and its name in errors. */
export interface SetModel extends ModelLn2 {
  label: string;
}

const UNKNOWN_MODEL = "unknown";

export async function readTranscoderSet(
  items: readonly FileSet[],
  model: SetModel,
  options: RecognizeOptions = {},
): Promise<TranscoderSet> {
  const found: SetTranscoder[] = [];
  for (const item of items) found.push(...(await readItem(item, options)));
  const names = items.map((i) => i.name).join(", ");
  if (found.length === 0) throw new FormatError(names, "holds no transcoders");
  const layers: (SetTranscoder | undefined)[] = Array.from(
    { length: model.config.nLayer },
    () => undefined,
  );
  for (const t of found) {
    const bound = bindSetTranscoder(t, model);
    const layer = Number(/^blocks\.(\d+)\./.exec(bound.spec.hookName)![1]);
    const first = layers[layer];
    if (first) {
      throw new FormatError(
        t.source,
        `is a second transcoder for layer ${layer} (the first is ${first.source}); a set has one per layer`,
      );
    }
    layers[layer] = bound;
  }
  return { modelName: commonModelName(layers, names), layers };
}

async function readItem(item: FileSet, options: RecognizeOptions): Promise<SetTranscoder[]> {
  const configs = await findSetConfigs(item);
  if (configs.length === 0) {
    const out = [];
    for (const sub of splitDictionaries(item)) out.push(await recognizeTranscoder(sub, options));
    return out;
  }
  const out: SetTranscoder[] = [];
  for (const { path, config } of configs) {
    const entries = await readSetConfig(item, path, config);
    if (entries.kind === "files") {
      out.push(...entries.transcoders);
      continue;
    }
    for (const { layer, set } of entries.folders) {
      const t = await recognizeTranscoder(set, options);
      if (!t.spec.hookNameOut.startsWith(`blocks.${layer}.`)) {
        throw new FormatError(
          t.source,
          `is listed as layer ${layer} by ${item.files.get(path)!.name} but writes ${t.spec.hookNameOut}`,
        );
      }
      out.push(t);
    }
  }
  return out;
}

async function recognizeTranscoder(
  set: FileSet,
  options: RecognizeOptions,
): Promise<SetTranscoder> {
  const r = await recognize(set, options);
  if (r.kind !== "dictionary" || r.spec.kind !== "transcoder") {
    throw new FormatError(
      set.name,
      `is ${describeRecognized(r)}; a transcoder set takes transcoders (MLP input → MLP output)`,
    );
  }
  try {
    return { ...withNormScale(await r.load(), undefined), source: set.name };
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(set.name, (e as Error).message, undefined, { cause: e });
  }
}

/** The transcoder as it runs on `model`, or a one-line error naming its file. */
function bindSetTranscoder(t: SetTranscoder, model: SetModel): SetTranscoder {
  const mismatch = dictionaryMismatch(t.spec, model.config, model.label);
  if (mismatch) throw new FormatError(t.source, mismatch);
  let bound: SetTranscoder;
  try {
    bound = bindToModel(t, model);
  } catch (e) {
    throw new FormatError(t.source, (e as Error).message, undefined, { cause: e });
  }
  const { hookName, hookNameOut } = bound.spec;
  const layer = /^blocks\.(\d+)\.ln2\.hook_normalized$/.exec(hookName)?.[1];
  if (layer === undefined || hookNameOut !== `blocks.${layer}.hook_mlp_out`) {
    throw new FormatError(
      t.source,
      `reads ${hookName} → ${hookNameOut}; a transcoder set needs blocks.L.ln2.hook_normalized → blocks.L.hook_mlp_out (an MLP's input and output)`,
    );
  }
  return bound;
}

function commonModelName(layers: readonly (SetTranscoder | undefined)[], names: string): string {
  const byModel = new Map<string, number[]>();
  layers.forEach((t, layer) => {
    const name = t?.spec.modelName;
    if (!t || !name || name === UNKNOWN_MODEL) return;
    byModel.set(name, [...(byModel.get(name) ?? []), layer]);
  });
  if (byModel.size > 1) {
    const parts = [...byModel].map(
      ([name, ls]) => `${JSON.stringify(name)} (layers ${ls.join(",")})`,
    );
    throw new FormatError(
      names,
      `mixes transcoders made for different models: ${parts.join(", ")}; a set's transcoders come from one model`,
    );
  }
  return [...byModel.keys()][0] ?? UNKNOWN_MODEL;
}

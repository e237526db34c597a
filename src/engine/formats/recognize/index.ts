/**
 * Recognises a dropped file or folder as one of the published dictionary formats or a GPT-2
 * checkpoint (shared/reference/formats-published.md §5: first match wins), or refuses it with
 * what was found and what was expected.
 */
import { FormatError, listNames } from "../formatError.ts";
import { findByName, type FileSet } from "../fileSet.ts";
import { SAELENS_CFG_FILENAME, SAELENS_WEIGHTS_FILENAME } from "../saelensCfg.ts";
import { isZipName } from "../zipFolders.ts";
import { recognizeCircuitTracer } from "./circuitTracerFormat.ts";
import type { RecognizeOptions } from "./dictClassChoice.ts";
import { recognizeGemmaScope1, recognizeGemmaScope2 } from "./gemmaScopeFormat.ts";
import { recognizeGpt2 } from "./gpt2Format.ts";
import { recognizeLlamaScope } from "./llamaScopeFormat.ts";
import type { Recognized } from "./recognized.ts";
import { refuseUnloadable } from "./refusedFormats.ts";
import { recognizeSaelens } from "./saelensFormat.ts";
import { recognizeSparsify } from "./sparsifyFormat.ts";
import { recognizeTorch } from "./torchFormats.ts";

export { describeRecognized, recognizedJson } from "./recognized.ts";
export {
  DICT_CLASS_CHOICES,
  NeedsDictClass,
  isDictClassChoice,
  type DictClassChoice,
  type RecognizeOptions,
} from "./dictClassChoice.ts";
export type {
  LoadedDictionary,
  Recognized,
  RecognizedDictionary,
  RecognizedModel,
} from "./recognized.ts";

type Recognizer = (set: FileSet, options: RecognizeOptions) => Promise<Recognized | undefined>;

const RECOGNIZERS: Recognizer[] = [
  recognizeSaelens,
  recognizeSparsify,
  recognizeGemmaScope1,
  recognizeGemmaScope2,
  recognizeLlamaScope,
  recognizeCircuitTracer,
  recognizeTorch,
  recognizeGpt2,
];

export const KNOWN_FORMATS =
  "a SAELens folder (cfg.json + sae_weights.safetensors), sparsify (cfg.json + sae.safetensors), " +
  "Gemma Scope (params.npz, or params.safetensors + config.json), Llama Scope (hyperparams.json + checkpoints/final.safetensors), " +
  "a circuit-tracer or mwhanna layer_N.safetensors, a torch .pt (transcoder_circuits, OpenAI, dictionary_learning), " +
  "or a GPT-2 checkpoint (config.json + model.safetensors)";

/** `options`: what the user said where the files cannot (NeedsDictClass asks for it). */
export async function recognize(set: FileSet, options: RecognizeOptions = {}): Promise<Recognized> {
  if (set.files.size === 0) throw new FormatError(set.name, "no files were given");
  refuseUnloadable(set);
  for (const r of RECOGNIZERS) {
    const found = await r(set, options);
    if (found) return found;
  }
  const zip = [...set.files.keys()].find(isZipName);
  if (zip !== undefined) {
    throw new FormatError(
      set.files.get(zip)!.name,
      "is a zip: a zip of dictionary folders (a run's Download) is opened on its own, each folder an item; drop or pick it alone, or give it alone to npm run convert",
    );
  }
  if (findByName(set, SAELENS_WEIGHTS_FILENAME).length > 0) {
    throw new FormatError(
      set.name,
      `has ${SAELENS_WEIGHTS_FILENAME} without its ${SAELENS_CFG_FILENAME}; SAELens weights need the cfg.json saved beside them`,
    );
  }
  throw new FormatError(
    set.name,
    `is not a recognised format: found ${listNames([...set.files.keys()])}; expected ${KNOWN_FORMATS}`,
  );
}

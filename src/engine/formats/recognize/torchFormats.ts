/**
 * Dictionaries published as torch pickles (read by the safe reader, nothing executed):
 * - transcoder_circuits (Dunefsky et al.): {"cfg": LanguageModelSAERunnerConfig, "state_dict":
 *   {W_enc, b_enc, W_dec, b_dec, [b_dec_out]}}; f = ReLU((x − b_dec) W_enc + b_enc),
 *   y = f W_dec + b_dec_out, folded to b_enc' = b_enc − b_dec W_enc, b_dec' = b_dec_out.
 * - OpenAI's GPT-2 SAEs: {pre_bias, encoder.weight [n, d], latent_bias, decoder.weight [d, n],
 *   activation, activation_state_dict{k, postact_fn}}; TopK checkpoints LayerNorm their input,
 *   and one without "activation" is ReLU (model.py Autoencoder.from_state_dict).
 * - dictionary_learning: ae.pt + config.json {trainer: {dict_class, activation_dim,
 *   dict_size, k, layer, lm_name, submodule_name}}. Latents are what each class's `encode`
 *   returns after its `from_pretrained` (which, for AutoEncoder, normalises the decoder).
 */
import type { Activation, DictionaryParams, DictionarySpec } from "../../dictionary/spec.ts";
import { foldDecoderNorms, foldGated } from "../../dictionary/folds.ts";
import {
  baseName,
  findByExtension,
  readJsonObject,
  siblingPath,
  type FileSet,
} from "../fileSet.ts";
import { FormatError } from "../formatError.ts";
import { torchStore, type TensorStore } from "../tensorStore.ts";
import {
  isInertObject,
  isPickleDict,
  isTorchTensor,
  objectField,
  openTorchFile,
  type PickleValue,
  type TorchFile,
} from "../torch/torchFile.ts";
import { DICT_CLASS_CHOICES, NeedsDictClass, type RecognizeOptions } from "./dictClassChoice.ts";
import { readOriented, readScalar, readVector, storeDtypes, vectorLength } from "./matrices.ts";
import type { RecognizedDictionary } from "./recognized.ts";

type Maker = (ctx: TorchContext) => Promise<RecognizedDictionary | undefined>;

interface TorchContext {
  set: FileSet;
  path: string;
  file: TorchFile;
  bytes: number;
  options: RecognizeOptions;
}

export async function recognizeTorch(
  set: FileSet,
  options: RecognizeOptions = {},
): Promise<RecognizedDictionary | undefined> {
  const paths = [...findByExtension(set, ".pt"), ...findByExtension(set, ".pth")];
  for (const path of paths) {
    const src = set.files.get(path)!;
    const file = await openTorchFile(src);
    for (const make of [transcoderCircuits, openAi, dictionaryLearning]) {
      const found = await make({ set, path, file, bytes: src.size, options });
      if (found) return found;
    }
    throw new FormatError(
      src.name,
      `is a torch file holding ${[...file.tensors().keys()].slice(0, 8).join(", ") || "no tensors"}; ` +
        "expected a transcoder_circuits, OpenAI or dictionary_learning dictionary",
    );
  }
  return undefined;
}

function field(v: PickleValue | undefined, name: string): PickleValue | undefined {
  if (v === undefined) return undefined;
  if (isInertObject(v)) return objectField(v, name);
  if (isPickleDict(v)) return v.get(name);
  return undefined;
}

const str = (v: PickleValue | undefined) => (typeof v === "string" ? v : undefined);

function numberValue(v: PickleValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

function dims(store: TensorStore, bEnc: string, bDec: string) {
  const dSae = vectorLength(store, bEnc);
  const dOut = vectorLength(store, bDec);
  if (dSae === undefined || dOut === undefined) {
    throw new FormatError(store.file, `expected 1-d ${bEnc} [d_sae] and ${bDec} [d_out]`);
  }
  return { dSae, dOut };
}

const transcoderCircuits: Maker = async ({ file, bytes }) => {
  const root = file.root;
  const state = field(root, "state_dict");
  if (!isPickleDict(state) || !state.has("W_enc") || !state.has("b_dec")) return undefined;
  const cfg = field(root, "cfg");
  const store = torchStore(file, "state_dict.");
  const transcoder = store.tensors.has("b_dec_out");
  const { dSae } = dims(store, "b_enc", "b_dec");
  const dIn = vectorLength(store, "b_dec")!;
  const dOut = transcoder ? vectorLength(store, "b_dec_out")! : dIn;
  const hook = str(field(cfg, "hook_point")) ?? "unknown";
  const hookOut = transcoder ? (str(field(cfg, "out_hook_point")) ?? "unknown") : hook;
  const spec: DictionarySpec = {
    kind: transcoder ? "transcoder" : "sae",
    dIn,
    dSae,
    dOut,
    applyBDecToInput: !transcoder,
    hookName: hook,
    hookNameOut: hookOut,
    modelName: str(field(cfg, "model_name")) ?? "gpt2-small",
    normalizeActivations: "none",
  };
  const notes = [];
  if (cfg !== undefined)
    notes.push(`sites from the pickled ${isInertObject(cfg) ? cfg.className : "cfg"}`);
  if (transcoder)
    notes.push("b_dec subtracted from the input is folded into b_enc; b_dec_out becomes b_dec");
  return {
    kind: "dictionary",
    format: "transcoder_circuits",
    architecture: transcoder ? "relu (b_dec_out)" : "relu",
    spec,
    dtype: storeDtypes(store),
    bytes,
    notes,
    load: async () => {
      const wEnc = await readOriented(store, "W_enc", dIn, dSae, "[d_in, d_sae]", "as-is");
      const bEnc = await readVector(store, "b_enc", dSae, "[d_sae]");
      const bDecIn = await readVector(store, "b_dec", dIn, "[d_in]");
      const wDec = await readOriented(store, "W_dec", dSae, dOut, "[d_sae, d_out]", "as-is");
      if (!transcoder) return { spec, params: { wEnc, bEnc, wDec, bDec: bDecIn } };
      const folded = new Float32Array(dSae);
      for (let i = 0; i < dSae; i++) {
        let t = bEnc[i]!;
        for (let k = 0; k < dIn; k++) t -= bDecIn[k]! * wEnc[k * dSae + i]!;
        folded[i] = t;
      }
      const bDec = await readVector(store, "b_dec_out", dOut, "[d_out]");
      return { spec, params: { wEnc, bEnc: folded, wDec, bDec } };
    },
  };
};

/** OpenAI's sparse_autoencoder paths: {location}_v5_{32k,128k}/autoencoders/{layer}.pt. */
const OPENAI_SITES: Record<string, string> = {
  resid_post_attn: "hook_resid_mid",
  resid_post_mlp: "hook_resid_post",
  resid_delta_attn: "hook_attn_out",
  resid_delta_mlp: "hook_mlp_out",
};

function openAiSite(path: string): string {
  const layer = /(?:^|\/)(\d+)\.pt$/.exec(path)?.[1];
  const location = Object.keys(OPENAI_SITES).find((l) => path.includes(l));
  return layer !== undefined && location ? `blocks.${layer}.${OPENAI_SITES[location]}` : "unknown";
}

const openAi: Maker = async ({ set, path, file, bytes }) => {
  const root = file.root;
  if (!isPickleDict(root) || !root.has("pre_bias") || !root.has("latent_bias")) return undefined;
  const store = torchStore(file);
  const { dSae, dOut: d } = dims(store, "latent_bias", "pre_bias");
  // model.py Autoencoder.from_state_dict: state_dict.pop("activation", "ReLU"), and only TopK
  // normalises its input.
  const named = root.has("activation");
  const activation = named ? str(root.get("activation")) : "ReLU";
  if (activation !== "TopK" && activation !== "ReLU") {
    throw new FormatError(
      file.name,
      `activation is ${activation === undefined ? "not a string" : JSON.stringify(activation)}; expected "TopK" or "ReLU"`,
    );
  }
  const topk = activation === "TopK";
  const state = root.get("activation_state_dict");
  const kField = field(state, "k");
  const k = isTorchTensor(kField) ? undefined : numberValue(kField);
  const kTensor = isTorchTensor(kField) ? kField : undefined;
  // TopK.from_state_dict: postact_fn = ACTIVATIONS_CLASSES[state_dict["postact_fn"]]().
  const postact = topk ? str(field(state, "postact_fn")) : undefined;
  if (topk && postact !== "ReLU" && postact !== "Identity") {
    throw new FormatError(
      file.name,
      `activation_state_dict.postact_fn is ${postact === undefined ? "missing" : JSON.stringify(postact)}; ` +
        `OpenAI's TopK applies "ReLU" or "Identity" to the top k values`,
    );
  }
  const site = openAiSite(`${set.name}/${path}`);
  const specFor = (kk: number | undefined): DictionarySpec => ({
    kind: "sae",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: true,
    hookName: site,
    hookNameOut: site,
    modelName: "gpt2-small",
    normalizeActivations: topk ? "layer_norm" : "none",
    ...(topk && kk !== undefined
      ? { activation: { kind: "topk", k: kk, ...(postact === "Identity" ? { relu: false } : {}) } }
      : {}),
  });
  if (topk && k === undefined && !kTensor) {
    throw new FormatError(file.name, "a TopK checkpoint needs activation_state_dict.k");
  }
  const spec = specFor(k);
  return {
    kind: "dictionary",
    format: "OpenAI sparse_autoencoder",
    architecture: topk
      ? `topk k=${k ?? "?"}${postact === "Identity" ? ", postact Identity" : ""} (LayerNorm input)`
      : "relu",
    spec,
    dtype: storeDtypes(store),
    bytes,
    notes: [
      site === "unknown"
        ? "no {location}_v5_*/autoencoders/{layer}.pt path: the site is unknown"
        : `site from the path: ${site}`,
      ...(named
        ? []
        : [
            'no "activation": ReLU without LayerNorm, as OpenAI\'s Autoencoder.from_state_dict reads it',
          ]),
      ...(postact === "Identity"
        ? ["postact_fn Identity: the top k values are kept as they are, negative ones too"]
        : []),
    ],
    load: async () => {
      const kk = k ?? (kTensor ? Number((await kTensor.readNumbers())[0]) : undefined);
      return {
        spec: specFor(kk),
        params: {
          wEnc: await readOriented(store, "encoder.weight", d, dSae, "[d, n]", "transposed"),
          bEnc: await readVector(store, "latent_bias", dSae, "[n]"),
          wDec: await readOriented(store, "decoder.weight", dSae, d, "[n, d]", "transposed"),
          bDec: await readVector(store, "pre_bias", d, "[d]"),
        },
      };
    },
  };
};

/** dictionary_learning submodule names: resid_post_layer_3, mlp_out_layer_3, attn_out_layer_3. */
function dictionaryLearningSite(submodule: string | undefined, layer: number | undefined): string {
  const m = /^(resid_post|mlp_out|attn_out)_layer_(\d+)$/.exec(submodule ?? "");
  if (!m) return "unknown";
  return `blocks.${m[2] ?? layer}.hook_${m[1]}`;
}

const dictionaryLearning: Maker = async ({ set, path, file, bytes, options }) => {
  const cfgSrc = set.files.get(siblingPath(path, "config.json"));
  const store = torchStore(file);
  const hasEncoder = store.tensors.has("encoder.weight") || store.tensors.has("W_enc");
  if (!hasEncoder || (!cfgSrc && baseName(path) !== "ae.pt")) return undefined;
  const cfg = cfgSrc ? await readJsonObject(cfgSrc) : {};
  const trainer = (cfg.trainer ?? {}) as Record<string, unknown>;
  const kConfig = typeof trainer.k === "number" ? trainer.k : undefined;
  const kStored = store.tensors.has("k") ? await readIntegerScalar(file, "k") : undefined;
  if (kConfig !== undefined && kStored !== undefined && kConfig !== kStored) {
    // from_pretrained: ValueError(f"k={k} != {state_dict['k'].item()}=state_dict['k']").
    throw new FormatError(file.name, `holds k = ${kStored}; config.json says k = ${kConfig}`, "k");
  }
  const dictClass =
    typeof trainer.dict_class === "string"
      ? trainer.dict_class
      : kStored !== undefined && store.tensors.has("encoder.weight")
        ? chosenTopKClass(file.name, kStored, options)
        : guessClass(store);
  if (!DICTIONARY_LEARNING_CLASSES.includes(dictClass)) {
    throw new FormatError(
      cfgSrc?.name ?? file.name,
      `dict_class ${JSON.stringify(dictClass)} is not one this loader reads; expected ${DICTIONARY_LEARNING_CLASSES.join(", ")}`,
    );
  }
  const jump = dictClass === "JumpReluAutoEncoder";
  const gated = dictClass === "GatedAutoEncoder";
  const dSae = vectorLength(store, jump ? "b_enc" : gated ? "mag_bias" : "encoder.bias")!;
  const bDecName = ["b_dec", "bias", "decoder_bias", "decoder.bias"].find((n) =>
    store.tensors.has(n),
  );
  if (dSae === undefined || bDecName === undefined) {
    throw new FormatError(
      file.name,
      `a dictionary_learning ${dictClass} needs its bias and decoder tensors`,
    );
  }
  const d = vectorLength(store, bDecName)!;
  const site = dictionaryLearningSite(
    typeof trainer.submodule_name === "string" ? trainer.submodule_name : undefined,
    typeof trainer.layer === "number" ? trainer.layer : undefined,
  );
  const k = kConfig ?? kStored;
  let activation: Activation | undefined;
  if (jump || gated || dictClass === "BatchTopKSAE") activation = { kind: "jumprelu", relu: true };
  if (dictClass === "AutoEncoderTopK") {
    if (k === undefined) {
      throw new FormatError(file.name, "AutoEncoderTopK needs k (in config.json or the k buffer)");
    }
    activation = { kind: "topk", k };
  }
  const spec: DictionarySpec = {
    kind: "sae",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: !jump && dictClass !== "AutoEncoderNew",
    hookName: site,
    hookNameOut: site,
    modelName: typeof trainer.lm_name === "string" ? trainer.lm_name : "unknown",
    normalizeActivations: "none",
    ...(activation ? { activation } : {}),
  };
  const notes = [];
  if (typeof trainer.dict_class !== "string" && kStored !== undefined)
    notes.push(`${dictClass}, as chosen: config.json is absent or does not name the class`);
  if (gated) notes.push("gated, converted exactly to JumpReLU");
  if (dictClass === "AutoEncoder")
    notes.push(
      "decoder columns scaled to unit norm (W_enc, b_enc by the same norms), as AutoEncoder.from_pretrained does",
    );
  return {
    kind: "dictionary",
    format: "dictionary_learning",
    architecture: dictClass,
    spec,
    dtype: storeDtypes(store),
    bytes,
    notes,
    load: async () => {
      const params = await dictionaryLearningParams(store, dictClass, d, dSae, bDecName);
      return {
        spec,
        params: dictClass === "AutoEncoder" ? normalizeDecoder(spec, params) : params,
      };
    },
  };
};

/** The class of a file holding `k` whose config.json does not name it: the user's choice. */
function chosenTopKClass(file: string, k: number, options: RecognizeOptions): string {
  if (options.dictClass !== undefined) return options.dictClass;
  throw new NeedsDictClass(
    `${file}: holds k = ${k}, and dictionary_learning's ${DICT_CLASS_CHOICES.join(" and ")} have ` +
      "the same tensors, so the file alone does not say which it is (per row the k largest, " +
      "or every latent above the stored threshold); supply config.json (trainer.dict_class) " +
      "or choose the class (on the page, with the buttons on this item; in the CLI, " +
      DICT_CLASS_CHOICES.map((c) => `--dict-class ${c}`).join(" or ") +
      ")",
  );
}

/** A one-value integer tensor (dictionary_learning's int32 k buffer). */
async function readIntegerScalar(file: TorchFile, name: string): Promise<number> {
  const t = file.tensors().get(name)!;
  const values = await t.readNumbers();
  const v = values[0];
  if (values.length !== 1 || v === undefined || !Number.isInteger(v) || v < 1) {
    throw new FormatError(
      file.name,
      `expected one positive integer, found ${values.length} values [${Array.from(values.slice(0, 4)).join(", ")}]`,
      name,
    );
  }
  return v;
}

/**
 * AutoEncoder.from_pretrained(normalize_decoder=True): unless every decoder column already has
 * unit norm (torch.allclose: |n − 1| <= 1e-8 + 1e-5), W_dec's columns are divided by their
 * norms and W_enc's rows and b_enc multiplied by them; outputs stay, latents scale by n.
 */
function normalizeDecoder(spec: DictionarySpec, p: DictionaryParams): DictionaryParams {
  const { dSae, dOut } = spec;
  for (let i = 0; i < dSae; i++) {
    let ss = 0;
    for (let j = 0; j < dOut; j++) ss += p.wDec[i * dOut + j]! ** 2;
    if (Math.abs(Math.sqrt(ss) - 1) > 1e-8 + 1e-5) return foldDecoderNorms(spec, p);
  }
  return p;
}

const DICTIONARY_LEARNING_CLASSES = [
  "AutoEncoder",
  "AutoEncoderNew",
  "GatedAutoEncoder",
  "JumpReluAutoEncoder",
  ...DICT_CLASS_CHOICES,
];

/** The class of an ae.pt whose config.json does not name one, from its tensors. */
function guessClass(store: TensorStore): string {
  if (store.tensors.has("group_sizes")) return "MatryoshkaBatchTopKSAE";
  if (store.tensors.has("W_enc")) return "JumpReluAutoEncoder";
  if (store.tensors.has("r_mag")) return "GatedAutoEncoder";
  if (store.tensors.has("bias")) return "AutoEncoder";
  return "AutoEncoderNew";
}

async function dictionaryLearningParams(
  store: TensorStore,
  dictClass: string,
  d: number,
  dSae: number,
  bDecName: string,
): Promise<DictionaryParams> {
  const bDec = await readVector(store, bDecName, d, "[d]");
  if (dictClass === "JumpReluAutoEncoder") {
    return {
      wEnc: await readOriented(store, "W_enc", d, dSae, "[d, dict]", "as-is"),
      bEnc: await readVector(store, "b_enc", dSae, "[dict]"),
      wDec: await readOriented(store, "W_dec", dSae, d, "[dict, d]", "as-is"),
      bDec,
      threshold: await readVector(store, "threshold", dSae, "[dict]"),
    };
  }
  const wEnc = await readOriented(store, "encoder.weight", d, dSae, "[dict, d]", "transposed");
  const wDec = await readOriented(store, "decoder.weight", dSae, d, "[d, dict]", "transposed");
  if (dictClass === "GatedAutoEncoder") {
    return foldGated({
      wEnc,
      bGate: await readVector(store, "gate_bias", dSae, "[dict]"),
      bMag: await readVector(store, "mag_bias", dSae, "[dict]"),
      rMag: await readVector(store, "r_mag", dSae, "[dict]"),
      wDec,
      bDec,
    });
  }
  const bEnc = await readVector(store, "encoder.bias", dSae, "[dict]");
  if (dictClass === "BatchTopKSAE") {
    const theta = await readScalar(store, "threshold");
    if (theta < 0) {
      throw new FormatError(
        store.file,
        "threshold is unset (negative): this BatchTopK SAE was saved before training set it",
        "threshold",
      );
    }
    return { wEnc, bEnc, wDec, bDec, threshold: new Float32Array(dSae).fill(theta) };
  }
  if (dictClass === "AutoEncoderNew" && store.tensors.has("decoder.bias")) {
    return { wEnc, bEnc, wDec, bDec: await readVector(store, "decoder.bias", d, "[d]") };
  }
  return { wEnc, bEnc, wDec, bDec };
}

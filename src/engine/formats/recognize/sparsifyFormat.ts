/**
 * EleutherAI sparsify: per hook a folder with cfg.json and sae.safetensors (encoder.weight
 * [d_sae, d_in], encoder.bias, W_dec [d_sae, d_out], b_dec, optional W_skip [d_out, d_in]).
 * sparsify's own semantics: f = TopK(ReLU(x' W_encᵀ + b)), x' = x − b_dec unless `transcode`,
 * y = f W_dec + b_dec (+ x W_skipᵀ). SAELens's loader transposes W_dec and sets
 * apply_b_dec_to_input = !normalize_decoder; both contradict sparsify, which we follow.
 * A transcoder on `h.N.mlp` hooks the MLP module, whose input is ln_2's output after its gain
 * and bias (sparsify's trainer reads the hooked module's inputs[0]): it reads blocks.N.mlp.hook_in,
 * which mlpInputSite.ts binds to the model it runs on.
 */
import type { DictionarySpec } from "../../dictionary/spec.ts";
import { FormatError } from "../formatError.ts";
import { findByName, readJsonObject, siblingPath, type FileSet } from "../fileSet.ts";
import { openSafetensors } from "../safetensors.ts";
import { safetensorsStore } from "../tensorStore.ts";
import { readOriented, readVector, storeDtypes, vectorLength } from "./matrices.ts";
import type { RecognizedDictionary } from "./recognized.ts";
import { MLP_INPUT_SITE, mlpInputNote } from "../../model/mlpInputSite.ts";

export const SPARSIFY_WEIGHTS_FILENAME = "sae.safetensors";

/** sparsify names hooks by module path: "layers.5", "h.5" (GPT-2), "layers.5.mlp". */
export function sparsifySites(
  folder: string,
  transcode: boolean,
): { hookName: string; hookNameOut: string; note: string } {
  const m = /(?:^|[./])(?:layers|h)[._](\d+)(\.mlp)?$/.exec(folder);
  if (!m) {
    return {
      hookName: folder,
      hookNameOut: folder,
      note: `module "${folder}" has no TransformerLens name here`,
    };
  }
  const layer = m[1];
  if (m[2] && transcode) {
    return {
      hookName: `blocks.${layer}.${MLP_INPUT_SITE}`,
      hookNameOut: `blocks.${layer}.hook_mlp_out`,
      note:
        `module "${folder}" (transcode) read as the MLP's input and output sites; ` +
        mlpInputNote(Number(layer), "sparsify"),
    };
  }
  const site = m[2] ? `blocks.${layer}.hook_mlp_out` : `blocks.${layer}.hook_resid_post`;
  return { hookName: site, hookNameOut: site, note: `module "${folder}" read as ${site}` };
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

export async function recognizeSparsify(set: FileSet): Promise<RecognizedDictionary | undefined> {
  for (const cfgPath of findByName(set, "cfg.json")) {
    const weightsSrc = set.files.get(siblingPath(cfgPath, SPARSIFY_WEIGHTS_FILENAME));
    if (!weightsSrc) continue;
    const cfgSrc = set.files.get(cfgPath)!;
    const cfg = await readJsonObject(cfgSrc);
    if (!("k" in cfg) && !("num_latents" in cfg) && !("expansion_factor" in cfg)) continue;
    const file = await openSafetensors(weightsSrc);
    const store = safetensorsStore(file);
    const fail = (field: string, problem: string): never => {
      throw new FormatError(cfgSrc.name, `field ${JSON.stringify(field)} ${problem}`);
    };
    const activation = cfg.activation ?? "topk";
    if (activation !== "topk") {
      fail("activation", `is ${JSON.stringify(activation)}; only sparsify's "topk" can be loaded`);
    }
    const k =
      positiveInt(cfg.k) ?? fail("k", `is ${JSON.stringify(cfg.k)}; expected a positive integer`);
    const dSae = vectorLength(store, "encoder.bias");
    const dOut = vectorLength(store, "b_dec");
    const enc = store.tensors.get("encoder.weight");
    if (dSae === undefined || dOut === undefined || !enc || enc.shape.length !== 2) {
      throw new FormatError(
        weightsSrc.name,
        "expected sparsify tensors encoder.weight [d_sae, d_in], encoder.bias [d_sae], W_dec [d_sae, d_out], b_dec [d_out]",
      );
    }
    const dIn = enc.shape[0] === dSae ? enc.shape[1]! : enc.shape[0]!;
    if (typeof cfg.d_in === "number" && cfg.d_in !== dIn) {
      fail(
        "d_in",
        `is ${cfg.d_in} but encoder.weight is [${enc.shape.join(", ")}]; the config disagrees with the weights`,
      );
    }
    const transcode = cfg.transcode === true;
    const folder = cfgPath.includes("/") ? cfgPath.slice(0, cfgPath.lastIndexOf("/")) : set.name;
    const sites = sparsifySites(folder, transcode);
    const parentConfig = set.files.get(siblingPath(folder, "config.json"));
    const runCfg =
      parentConfig && parentConfig !== cfgSrc
        ? await readJsonObject(parentConfig).catch(() => ({}) as Record<string, unknown>)
        : {};
    const skip = store.tensors.has("W_skip");
    const spec: DictionarySpec = {
      kind: transcode ? "transcoder" : "sae",
      dIn,
      dSae,
      dOut,
      applyBDecToInput: !transcode,
      hookName: sites.hookName,
      hookNameOut: sites.hookNameOut,
      modelName: typeof runCfg.model === "string" ? runCfg.model : "unknown",
      normalizeActivations: "none",
      activation: { kind: "topk", k },
      ...(skip ? { skip: true } : {}),
      ...(typeof runCfg.ctx_len === "number" ? { contextSize: runCfg.ctx_len } : {}),
    };
    if (!transcode && dOut !== dIn) {
      throw new FormatError(
        weightsSrc.name,
        `b_dec has ${dOut} values but d_in is ${dIn}; an SAE (transcode false) reconstructs its input`,
      );
    }
    return {
      kind: "dictionary",
      format: "sparsify",
      architecture: `topk k=${k}${transcode ? " transcode" : ""}${skip ? " skip" : ""}`,
      spec,
      dtype: storeDtypes(store),
      bytes: weightsSrc.size,
      notes: [sites.note],
      load: async () => ({
        spec,
        params: {
          wEnc: await readOriented(
            store,
            "encoder.weight",
            dIn,
            dSae,
            "[d_in, d_sae]",
            "transposed",
          ),
          bEnc: await readVector(store, "encoder.bias", dSae, "[d_sae]"),
          wDec: await readOriented(store, "W_dec", dSae, dOut, "[d_sae, d_out]", "as-is"),
          bDec: await readVector(store, "b_dec", dOut, "[d_out]"),
          ...(skip
            ? { wSkip: await readOriented(store, "W_skip", dOut, dIn, "[d_out, d_in]", "as-is") }
            : {}),
        },
      }),
    };
  }
  return undefined;
}

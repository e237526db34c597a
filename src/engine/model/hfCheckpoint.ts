import { writeSafetensors, type TensorToWrite } from "../formats/safetensors.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import type { Gpt2Weights } from "./gpt2Weights.ts";

/** config.json for a Hugging Face GPT2LMHeadModel with this shape. */
export function hfConfigJson(c: Gpt2Config): string {
  return JSON.stringify(
    {
      architectures: ["GPT2LMHeadModel"],
      model_type: "gpt2",
      vocab_size: c.vocabSize,
      n_positions: c.nCtx,
      n_embd: c.dModel,
      n_layer: c.nLayer,
      n_head: c.nHead,
      n_inner: c.dMlp,
      activation_function: c.activation,
      layer_norm_epsilon: c.lnEps,
      tie_word_embeddings: true,
    },
    null,
    2,
  );
}

/** HF-named tensors of unprocessed weights (Conv1D matrices [in, out]). */
export function hfTensors(
  w: Gpt2Weights,
  options: { prefix?: string; dtype?: "F32" | "F16" | "BF16" } = {},
): TensorToWrite[] {
  if (w.processed)
    throw new Error("hfTensors: these weights are processed; HF files hold raw ones");
  const { dModel: d, dMlp, vocabSize: V, nCtx } = w.config;
  const prefix = options.prefix ?? "";
  const dtype = options.dtype ?? "F32";
  const t = (name: string, shape: number[], data: Float32Array): TensorToWrite => ({
    name: prefix + name,
    dtype,
    shape,
    data,
  });
  const out = [t("wte.weight", [V, d], w.wte), t("wpe.weight", [nCtx, d], w.wpe)];
  w.layers.forEach((l, i) => {
    const h = `h.${i}.`;
    out.push(
      t(h + "ln_1.weight", [d], l.ln1W),
      t(h + "ln_1.bias", [d], l.ln1B),
      t(h + "attn.c_attn.weight", [d, 3 * d], l.wQkv),
      t(h + "attn.c_attn.bias", [3 * d], l.bQkv),
      t(h + "attn.c_proj.weight", [d, d], l.wO),
      t(h + "attn.c_proj.bias", [d], l.bO),
      t(h + "ln_2.weight", [d], l.ln2W),
      t(h + "ln_2.bias", [d], l.ln2B),
      t(h + "mlp.c_fc.weight", [d, dMlp], l.wIn),
      t(h + "mlp.c_fc.bias", [dMlp], l.bIn),
      t(h + "mlp.c_proj.weight", [dMlp, d], l.wOut),
      t(h + "mlp.c_proj.bias", [d], l.bOut),
    );
  });
  out.push(t("ln_f.weight", [d], w.lnFW), t("ln_f.bias", [d], w.lnFB));
  return out;
}

export function hfCheckpointBytes(
  w: Gpt2Weights,
  options: { prefix?: string; dtype?: "F32" | "F16" | "BF16" } = {},
): Uint8Array<ArrayBuffer> {
  return writeSafetensors(hfTensors(w, options), { format: "pt" });
}

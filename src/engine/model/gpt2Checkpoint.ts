import { assertFinite } from "../formats/assertFinite.ts";
import { FormatError } from "../formats/formatError.ts";
import type { SafetensorsFile } from "../formats/safetensors.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import { transpose, type Gpt2LayerWeights, type Gpt2Weights } from "./gpt2Weights.ts";

/**
 * Reads a Hugging Face GPT2LMHeadModel checkpoint tensor by tensor (each from its own slice of
 * the file), with or without the `transformer.` prefix, checking every shape against config.json.
 * `lm_head.weight` is ignored: GPT-2 ties the unembedding to wte.
 */
export async function loadGpt2Checkpoint(
  config: Gpt2Config,
  file: SafetensorsFile,
  configName = "config.json",
): Promise<Gpt2Weights> {
  const prefix = file.has("transformer.wte.weight") ? "transformer." : "";
  checkLayerCount(config, file, prefix, configName);
  const { vocabSize: V, nCtx: P, dModel: d, dMlp, nLayer } = config;
  const dims: Record<string, number> = {
    vocab_size: V,
    n_positions: P,
    n_embd: d,
    "3 * n_embd": 3 * d,
    n_inner: dMlp,
  };
  // nanoGPT saves nn.Linear weights [out, in]; Hugging Face's Conv1D are [in, out].
  const linear = isLinearOrientation(file, prefix + "h.0.attn.c_attn.weight", d);
  const read = async (name: string, shape: string[], conv1d = false): Promise<Float32Array> => {
    const full = prefix + name;
    const stored = conv1d && linear ? [shape[1]!, shape[0]!] : shape;
    const expected = stored.map((s) => dims[s] as number);
    const description = `[${shape.join(", ")}] (from ${configName})`;
    if (!file.has(full)) {
      throw new FormatError(
        file.name,
        `missing tensor ${JSON.stringify(full)} ${description}; a GPT-2 checkpoint needs it`,
      );
    }
    file.expectShape(full, expected, description);
    const data = await file.readF32(full);
    assertFinite(data, file.name, full, 0, expected[1] ?? data.length);
    return conv1d && linear ? transpose(data, expected[0]!, expected[1]!) : data;
  };

  const wte = await read("wte.weight", ["vocab_size", "n_embd"]);
  const wpe = await read("wpe.weight", ["n_positions", "n_embd"]);
  const layers: Gpt2LayerWeights[] = [];
  for (let l = 0; l < nLayer; l++) {
    const h = `h.${l}.`;
    layers.push({
      ln1W: await read(h + "ln_1.weight", ["n_embd"]),
      ln1B: await read(h + "ln_1.bias", ["n_embd"]),
      wQkv: await read(h + "attn.c_attn.weight", ["n_embd", "3 * n_embd"], true),
      bQkv: await read(h + "attn.c_attn.bias", ["3 * n_embd"]),
      wO: await read(h + "attn.c_proj.weight", ["n_embd", "n_embd"], true),
      bO: await read(h + "attn.c_proj.bias", ["n_embd"]),
      ln2W: await read(h + "ln_2.weight", ["n_embd"]),
      ln2B: await read(h + "ln_2.bias", ["n_embd"]),
      wIn: await read(h + "mlp.c_fc.weight", ["n_embd", "n_inner"], true),
      bIn: await read(h + "mlp.c_fc.bias", ["n_inner"]),
      wOut: await read(h + "mlp.c_proj.weight", ["n_inner", "n_embd"], true),
      bOut: await read(h + "mlp.c_proj.bias", ["n_embd"]),
    });
  }
  const lnFW = await read("ln_f.weight", ["n_embd"]);
  const lnFB = await read("ln_f.bias", ["n_embd"]);
  return {
    config,
    processed: false,
    wte,
    wpe,
    layers,
    lnFW,
    lnFB,
    wU: transpose(wte, V, d),
    bU: new Float32Array(V),
  };
}

/** nanoGPT orientation: c_attn.weight stored [3d, d] instead of [d, 3d]. */
function isLinearOrientation(file: SafetensorsFile, name: string, d: number): boolean {
  const shape = file.tensors.get(name)?.shape;
  return shape !== undefined && shape[0] === 3 * d && shape[1] === d;
}

/** A file with more blocks than config.json's n_layer is a config that disagrees with it. */
function checkLayerCount(
  config: Gpt2Config,
  file: SafetensorsFile,
  prefix: string,
  configName: string,
): void {
  let highest = -1;
  for (const name of file.tensors.keys()) {
    const m = /^h\.(\d+)\./.exec(name.startsWith(prefix) ? name.slice(prefix.length) : name);
    if (m) highest = Math.max(highest, Number(m[1]));
  }
  if (highest >= config.nLayer) {
    throw new FormatError(
      file.name,
      `has blocks up to h.${highest} but ${configName} says n_layer = ${config.nLayer}; ` +
        `the config disagrees with the weights`,
    );
  }
}

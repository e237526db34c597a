import { assertFinite } from "../formats/assertFinite.ts";
import { FormatError } from "../formats/formatError.ts";
import type { SafetensorsFile } from "../formats/safetensors.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import { transpose, type Gpt2LayerWeights } from "./gpt2Weights.ts";

/** config.json's names for the dimensions, as error messages show them. */
type Dim = "vocab_size" | "n_positions" | "n_embd" | "3 * n_embd" | "n_inner";

interface TensorSpec {
  shape: readonly Dim[];
  /** A Conv1D matrix [in, out]; nanoGPT's nn.Linear stores it [out, in]. */
  conv1d: boolean;
}

interface BlockTensor extends TensorSpec {
  field: keyof Gpt2LayerWeights;
  /** After `h.L.`. */
  name: string;
}

/** One block's tensors, in file order. */
export const BLOCK_TENSORS: readonly BlockTensor[] = [
  { field: "ln1W", name: "ln_1.weight", shape: ["n_embd"], conv1d: false },
  { field: "ln1B", name: "ln_1.bias", shape: ["n_embd"], conv1d: false },
  { field: "wQkv", name: "attn.c_attn.weight", shape: ["n_embd", "3 * n_embd"], conv1d: true },
  { field: "bQkv", name: "attn.c_attn.bias", shape: ["3 * n_embd"], conv1d: false },
  { field: "wO", name: "attn.c_proj.weight", shape: ["n_embd", "n_embd"], conv1d: true },
  { field: "bO", name: "attn.c_proj.bias", shape: ["n_embd"], conv1d: false },
  { field: "ln2W", name: "ln_2.weight", shape: ["n_embd"], conv1d: false },
  { field: "ln2B", name: "ln_2.bias", shape: ["n_embd"], conv1d: false },
  { field: "wIn", name: "mlp.c_fc.weight", shape: ["n_embd", "n_inner"], conv1d: true },
  { field: "bIn", name: "mlp.c_fc.bias", shape: ["n_inner"], conv1d: false },
  { field: "wOut", name: "mlp.c_proj.weight", shape: ["n_inner", "n_embd"], conv1d: true },
  { field: "bOut", name: "mlp.c_proj.bias", shape: ["n_embd"], conv1d: false },
];

/** Every tensor a GPT-2 checkpoint needs, by name without the prefix, in file order. */
function tensorSpecs(nLayer: number): Map<string, TensorSpec> {
  const specs = new Map<string, TensorSpec>([
    ["wte.weight", { shape: ["vocab_size", "n_embd"], conv1d: false }],
    ["wpe.weight", { shape: ["n_positions", "n_embd"], conv1d: false }],
  ]);
  for (let l = 0; l < nLayer; l++) {
    for (const t of BLOCK_TENSORS) specs.set(`h.${l}.${t.name}`, t);
  }
  specs.set("ln_f.weight", { shape: ["n_embd"], conv1d: false });
  specs.set("ln_f.bias", { shape: ["n_embd"], conv1d: false });
  return specs;
}

/**
 * The tensors of a Hugging Face GPT2LMHeadModel checkpoint, with or without the `transformer.`
 * prefix, each read from its own slice of the file. Opening checks every tensor's presence and
 * shape against config.json, so a bad file fails before anything is read. Conv1D matrices come
 * back [in, out] in either orientation. `lm_head.weight` is ignored: GPT-2 ties the unembedding
 * to wte.
 */
export class Gpt2Tensors {
  private constructor(
    private readonly file: SafetensorsFile,
    private readonly prefix: string,
    /** Per tensor: its shape as stored, and whether reading it transposes it. */
    private readonly stored: ReadonlyMap<string, { shape: number[]; transposed: boolean }>,
  ) {}

  static open(config: Gpt2Config, file: SafetensorsFile, configName = "config.json"): Gpt2Tensors {
    const prefix = file.has("transformer.wte.weight") ? "transformer." : "";
    checkLayerCount(config, file, prefix, configName);
    const dims: Record<Dim, number> = {
      vocab_size: config.vocabSize,
      n_positions: config.nCtx,
      n_embd: config.dModel,
      "3 * n_embd": 3 * config.dModel,
      n_inner: config.dMlp,
    };
    const linear = isLinearOrientation(file, prefix + "h.0.attn.c_attn.weight", config.dModel);
    const stored = new Map<string, { shape: number[]; transposed: boolean }>();
    for (const [name, spec] of tensorSpecs(config.nLayer)) {
      const full = prefix + name;
      const transposed = spec.conv1d && linear;
      const shape = (transposed ? [spec.shape[1]!, spec.shape[0]!] : spec.shape).map(
        (s) => dims[s],
      );
      const description = `[${spec.shape.join(", ")}] (from ${configName})`;
      if (!file.has(full)) {
        throw new FormatError(
          file.name,
          `missing tensor ${JSON.stringify(full)} ${description}; a GPT-2 checkpoint needs it`,
        );
      }
      file.expectShape(full, shape, description);
      stored.set(name, { shape, transposed });
    }
    return new Gpt2Tensors(file, prefix, stored);
  }

  /** How many bytes the file stores for a tensor. */
  storedBytes(name: string): number {
    const info = this.file.info(this.prefix + name);
    return info.end - info.begin;
  }

  /** How many bytes the file stores for all the tensors the model uses. */
  totalBytes(): number {
    let sum = 0;
    for (const name of this.stored.keys()) sum += this.storedBytes(name);
    return sum;
  }

  /** A whole tensor as f32; Conv1D matrices [in, out]. */
  async read(name: string): Promise<Float32Array> {
    const { shape, transposed } = this.spec(name);
    const data = await this.readStored(name, 0, shape[0]!);
    return transposed ? transpose(data, shape[0]!, shape[1]!) : data;
  }

  /** Rows [rowStart, rowStart + rowCount) of a tensor that is not a Conv1D matrix (wte). */
  async readRows(name: string, rowStart: number, rowCount: number): Promise<Float32Array> {
    if (this.spec(name).transposed) {
      throw new Error(`Gpt2Tensors.readRows: ${name} is stored transposed; read it whole`);
    }
    return this.readStored(name, rowStart, rowCount);
  }

  private async readStored(name: string, rowStart: number, rowCount: number) {
    const full = this.prefix + name;
    const data = await this.file.readF32(full, rowStart, rowCount);
    assertFinite(data, this.file.name, full, rowStart, this.spec(name).shape[1] ?? data.length);
    return data;
  }

  private spec(name: string) {
    const spec = this.stored.get(name);
    if (spec === undefined) throw new Error(`Gpt2Tensors: ${name} is not a GPT-2 tensor`);
    return spec;
  }
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

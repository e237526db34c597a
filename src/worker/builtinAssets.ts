import { blobByteSource } from "../engine/formats/byteSource.ts";
import { parseGpt2Config, type Gpt2Config } from "../engine/model/gpt2Config.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import {
  loadGpt2,
  MODEL_CONFIG_FILENAME,
  MODEL_WEIGHTS_FILENAME,
} from "../engine/model/loadGpt2.ts";
import { parseBuiltinCorpus, type TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import {
  MODEL_QUALITY_FILENAME,
  parseModelQuality,
  type ModelQuality,
} from "../engine/model/modelQuality.ts";

/** The built-in model and corpus, served from public/builtin (no download from elsewhere). */
const BASE = `${import.meta.env.BASE_URL}builtin/`;
export const BUILTIN_MODEL_NAME = "gpt2-brown (built-in)";

async function fetchOk(path: string): Promise<Response> {
  const url = new URL(BASE + path, self.location.origin);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

export async function loadBuiltinModel(processing: boolean): Promise<Gpt2Weights> {
  const configPath = `gpt2-brown/${MODEL_CONFIG_FILENAME}`;
  const weightsPath = `gpt2-brown/${MODEL_WEIGHTS_FILENAME}`;
  const [config, blob] = await Promise.all([
    fetchOk(configPath).then((r) => r.text()),
    fetchOk(weightsPath).then((r) => r.blob()),
  ]);
  // The weights are read tensor by tensor from slices of the Blob.
  return loadGpt2({ name: configPath, text: config }, blobByteSource(blob, weightsPath), {
    processing,
  });
}

/** The built-in model's config.json alone (no weights, no GPU). */
export async function loadBuiltinConfig(): Promise<Gpt2Config> {
  const path = `gpt2-brown/${MODEL_CONFIG_FILENAME}`;
  return parseGpt2Config(await (await fetchOk(path)).text(), path);
}

export async function loadBuiltinCorpus(): Promise<TokenCorpus> {
  const [tokens, index] = await Promise.all([
    fetchOk("brown.tokens.u16").then((r) => r.arrayBuffer()),
    fetchOk("brown.json").then((r) => r.text()),
  ]);
  return parseBuiltinCorpus(new Uint8Array(tokens), index);
}

/** The built-in model's measured quality (training.json), if the file says. */
export async function loadBuiltinQuality(): Promise<ModelQuality | undefined> {
  try {
    return parseModelQuality(await (await fetchOk(`gpt2-brown/${MODEL_QUALITY_FILENAME}`)).text());
  } catch {
    return undefined;
  }
}

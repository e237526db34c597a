import { readFile, writeFile } from "node:fs/promises";
import { writeSafetensors } from "../engine/formats/safetensors.ts";
import { createBuffer } from "../engine/gpu/kernel.ts";
import { readFloats } from "../engine/gpu/readBuffer.ts";
import { captureHook, GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { transcoderSites } from "../engine/model/hooks.ts";
import { encodeText, GPT2_EOT } from "../engine/text/tokenizer.ts";
import { fileError } from "../node/fileByteSource.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { CliError, runCli } from "./cliError.ts";
import { intFlag, parseCommandFlags, stringFlag } from "./flags.ts";
import {
  MODEL_HELP,
  MODEL_OPTIONS,
  modelName,
  parseModelFlags,
  sequenceSettings,
} from "./modelFlags.ts";

const str = { type: "string" } as const;
const USAGE =
  "usage: npm run acts -- --model builtin|DIR --layer L --text-file FILE --out acts.safetensors " +
  "[--prepend-bos] [--no-processing] [--context-size N]";

const HELP = `${USAGE}

Tokenizes FILE with GPT-2's BPE, runs the model over it in sequences of at most the context
length, and writes tokens [T] (I32), x [T, d] (blocks.L.ln2.hook_normalized: (x - mean) / std
of the residual stream, before ln2's gain and bias, as TransformerLens 3 hooks it) and
y [T, d] (blocks.L.hook_mlp_out), ready for npm run train -- --data.

${MODEL_HELP}
  --layer L              the block whose MLP input and output are written
  --text-file FILE       UTF-8 text
  --out FILE             the safetensors file to write`;

runCli("acts", async () => {
  const v = parseCommandFlags(
    process.argv.slice(2),
    { ...MODEL_OPTIONS, layer: str, "text-file": str, out: str },
    USAGE,
    HELP,
  );
  if (!v) return;
  const flags = parseModelFlags(v, stringFlag(v, "model"));
  const layer = intFlag(v, "layer", undefined, 0);
  const textFile = stringFlag(v, "text-file");
  const out = stringFlag(v, "out");
  let text: string;
  try {
    text = await readFile(textFile, "utf8");
  } catch (e) {
    throw fileError(textFile, e);
  }
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  const cfg = weights.config;
  if (layer >= cfg.nLayer)
    throw new CliError(`--layer ${layer}: the model has layers 0..${cfg.nLayer - 1}`);
  const { prependBos, contextSize } = sequenceSettings(flags, cfg);
  const body = encodeText(text);
  if (body.length === 0) throw new CliError(`${textFile}: no tokens (the file is empty)`);
  // Sequences of at most contextSize tokens, each starting with BOS when asked.
  const perSeq = contextSize - (prependBos ? 1 : 0);
  const sequences: number[][] = [];
  for (let i = 0; i < body.length; i += perSeq) {
    const chunk = body.slice(i, i + perSeq);
    sequences.push(prependBos ? [GPT2_EOT, ...chunk] : chunk);
  }
  const { device, adapterName } = await acquireNodeDevice();
  const seqsPerForward = Math.max(1, Math.floor(2048 / contextSize));
  const model = new GpuGpt2(
    device,
    loadNodeShaders(),
    weights,
    seqsPerForward * contextSize,
    contextSize,
  );
  const d = cfg.dModel;
  const total = sequences.reduce((n, s) => n + s.length, 0);
  const x = new Float32Array(total * d);
  const y = new Float32Array(total * d);
  const { input, output } = transcoderSites(layer);
  const bx = createBuffer(device, "x", seqsPerForward * contextSize * d * 4);
  const by = createBuffer(device, "y", seqsPerForward * contextSize * d * 4);
  const started = performance.now();
  let row = 0;
  for (let i = 0; i < sequences.length;) {
    // Full-length sequences go together; a shorter last one runs on its own.
    const len = sequences[i]!.length;
    let n = 1;
    while (n < seqsPerForward && i + n < sequences.length && sequences[i + n]!.length === len) n++;
    model.setTokens(sequences.slice(i, i + n).flat());
    const encoder = device.createCommandEncoder();
    model.encodeForward(encoder, {
      nSeq: n,
      seqLen: len,
      lastLayer: layer,
      handlers: [captureHook(input, bx), captureHook(output, by)],
    });
    device.queue.submit([encoder.finish()]);
    x.set(await readFloats(device, bx, n * len * d), row * d);
    y.set(await readFloats(device, by, n * len * d), row * d);
    row += n * len;
    i += n;
  }
  const seconds = (performance.now() - started) / 1000;
  const bytes = writeSafetensors(
    [
      { name: "tokens", dtype: "I32", shape: [total], data: Int32Array.from(sequences.flat()) },
      { name: "x", dtype: "F32", shape: [total, d], data: x },
      { name: "y", dtype: "F32", shape: [total, d], data: y },
    ],
    {
      model_name: modelName(flags.model),
      hook_name: input,
      hook_name_out: output,
      processing: flags.processing ? "transformer_lens" : "none",
      prepend_bos: String(prependBos),
      context_size: String(contextSize),
      text_file: textFile,
    },
  );
  await writeFile(out, bytes);
  process.stderr.write(
    `wrote ${out}: ${total} tokens in ${sequences.length} sequences, x/y [${total}, ${d}] ` +
      `(${input} -> ${output}); ${(total / seconds).toFixed(0)} tokens/s on ${adapterName}\n`,
  );
});

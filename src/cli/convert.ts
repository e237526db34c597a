import { join } from "node:path";
import {
  describeRecognized,
  recognize,
  recognizedJson,
  type RecognizeOptions,
} from "../engine/formats/recognize/index.ts";
import type { FileSet } from "../engine/formats/fileSet.ts";
import { convertRecognized } from "../node/convertRecognized.ts";
import { openPathItems } from "../node/zipPathSets.ts";
import { CliError, runCli } from "./cliError.ts";
import { DICT_CLASS_OPTION, dictClassHelp, recognizeOptionsFrom } from "./dictClassFlag.ts";
import { numberFlag, parseFlagsAndPaths, stringFlag } from "./flags.ts";

const USAGE =
  "usage: npm run convert -- PATH... --out DIR [--json] [--norm-scaling-factor S] [--dict-class CLASS]";

const HELP = `${USAGE}

Recognises the dictionary or model in PATH (a file or folder; several paths are read as one
set of files), prints what it recognised on one line (format, architecture, widths, sites,
dtype, size), and writes it to DIR: a dictionary as a SAELens 6 folder (cfg.json +
sae_weights.safetensors), a GPT-2 checkpoint as a Hugging Face folder (config.json +
model.safetensors, f32). A .zip of folders (the Runs view's Download) converts each folder to
DIR/FOLDER (FILE.zip:FOLDER converts one, to DIR). A TopK transcoder is written as topk_transcoder, which SAELens cannot
load, a JumpReLU skip transcoder as jumprelu_skip_transcoder, which SAELens 6.18 cannot load
and 6.30.1 and later can; cfg.json's metadata.note says so. Formats: SAELens (any version and
inference architecture), sparsify, Gemma Scope, Llama Scope, circuit-tracer and mwhanna
transcoders, transcoder_circuits and OpenAI .pt files, dictionary_learning, GPT-2 checkpoints.

  --out DIR                  folder to write (created if needed)
  --json                     print what was recognised as JSON instead of one line
  --norm-scaling-factor S    the constant a normalize_activations=expected_average_only_in
                             dictionary was trained with, when its files do not carry it
${dictClassHelp(29)}`;

runCli("convert", async () => {
  const str = { type: "string" } as const;
  const { values, positionals: paths } = parseFlagsAndPaths(
    process.argv.slice(2),
    {
      out: str,
      json: { type: "boolean" },
      "norm-scaling-factor": str,
      help: { type: "boolean" },
      ...DICT_CLASS_OPTION,
    },
    USAGE,
  );
  const v = values as Record<string, unknown>;
  if (v.help === true) {
    process.stdout.write(HELP + "\n");
    return;
  }
  if (paths.length === 0) throw new CliError(`no PATH given (${USAGE})`);
  const out = stringFlag(v, "out");
  const scaleGiven = v["norm-scaling-factor"] !== undefined;
  const scale = scaleGiven
    ? numberFlag(v, "norm-scaling-factor", undefined, { positive: true })
    : undefined;
  const opened = await openPathItems(paths);
  const several = opened.items.length > 1;
  const options = recognizeOptionsFrom(v);
  const jsons: Record<string, unknown>[] = [];
  try {
    for (const { folder, set } of opened.items) {
      const dir = several && folder !== undefined ? join(out, folder) : out;
      jsons.push(await convertOne(set, dir, scale, options, v.json === true));
    }
  } finally {
    await opened.close();
  }
  if (v.json === true) {
    process.stdout.write(JSON.stringify(several ? jsons : jsons[0], null, 2) + "\n");
  }
});

/** Recognises one set and writes it to `out`; prints its lines unless `json`. */
async function convertOne(
  set: FileSet,
  out: string,
  scale: number | undefined,
  options: RecognizeOptions,
  json: boolean,
): Promise<Record<string, unknown>> {
  const recognized = await recognize(set, options);
  const written = await convertRecognized(recognized, out, scale).catch((e: unknown) => {
    if (e instanceof Error && e.name === "NeedsNormScale") {
      throw new CliError(`${e.message}: --norm-scaling-factor S`);
    }
    throw e;
  });
  if (!json) {
    process.stdout.write(`${describeRecognized(recognized)}\n`);
    for (const n of recognized.notes) process.stdout.write(`  note: ${n}\n`);
    process.stdout.write(`wrote ${written.files.join(", ")}\n`);
    if (written.note) process.stdout.write(`  note: ${written.note}\n`);
  }
  return { ...recognizedJson(recognized), out, ...written };
}

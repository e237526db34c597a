import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { dictionarySeed } from "../engine/stream/dictionarySeed.ts";
import {
  StreamSession,
  type DictionaryPlan,
  type StreamOptions,
} from "../engine/stream/streamSession.ts";
import type { TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import { loadBuiltinCorpus } from "../node/builtinCorpus.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { loadSaelensFolder, type SaelensDictionary } from "../node/saelensFolder.ts";
import { CliError } from "./cliError.ts";
import { modelName, sequenceSettings } from "./modelFlags.ts";
import { progressLine, saveDictionaryRun, startMetricsLog } from "./runOutputs.ts";
import type { TrainResult } from "./runTrain.ts";
import { scheduleOf, type StreamFlags, type TrainCommand } from "./trainCommand.ts";
import { checkWidthsFor, resolveArchitecture } from "./trainArchitecture.ts";
import { runSweepTrain } from "./sweepTrain.ts";

/** Tokens per forward pass of the model while streaming (whole sequences): a store batch. */
const ROWS_PER_FORWARD = 1024;

/** The model, corpus and stream options of a `--model` run (one dictionary or several). */
export async function openStream(
  cmd: TrainCommand,
  flags: StreamFlags,
  weights: Gpt2Weights,
  device: GPUDevice,
  shaders: ShaderLibrary,
  init?: SaelensDictionary,
): Promise<{ model: GpuGpt2; corpus: TokenCorpus; options: StreamOptions }> {
  const cfg = weights.config;
  // BOS, context size and special tokens as the --init folder was trained with, unless the
  // flags say otherwise (SAELens's ActivationsStore.from_sae).
  const { prependBos, contextSize } = sequenceSettings(flags, cfg, init?.spec);
  const initExclude = init?.spec.excludeSpecialTokens;
  const excludeSpecialTokens =
    flags.excludeSpecialTokens ??
    (initExclude === undefined
      ? true
      : Array.isArray(initExclude)
        ? initExclude.length > 0
        : initExclude);
  const corpus = await loadBuiltinCorpus();
  const seqsPerForward = Math.max(1, Math.floor(ROWS_PER_FORWARD / contextSize));
  const model = new GpuGpt2(device, shaders, weights, seqsPerForward * contextSize, contextSize);
  const options: StreamOptions = {
    batchSize: cmd.batch,
    bufferBatches: flags.bufferBatches,
    seqsPerForward,
    contextSize,
    prependBos,
    excludeSpecialTokens,
    storeSeed: cmd.seed,
    logEvery: cmd.logEvery,
    modelName: cmd.modelName ?? modelName(flags.model),
    datasetPath: "builtin:brown (train slice)",
  };
  return { model, corpus, options };
}

/** `npm run train -- --model ...`: trains on the model's own activation stream, then evaluates. */
export async function runStreamTrain(
  cmd: TrainCommand,
  flags: StreamFlags,
  device: GPUDevice,
  shaders: ShaderLibrary,
  report: (line: string) => void,
): Promise<TrainResult> {
  if (cmd.multi) return runSweepTrain(cmd, cmd.multi, flags, device, shaders, report);
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  const cfg = weights.config;
  if (flags.layer !== undefined && flags.layer >= cfg.nLayer) {
    throw new CliError(`--layer ${flags.layer}: the model has layers 0..${cfg.nLayer - 1}`);
  }
  const init = cmd.init === undefined ? undefined : await loadSaelensFolder(cmd.init);
  const kind = cmd.kind ?? init!.spec.kind;
  const run = resolveArchitecture(cmd.arch, kind, init, cmd.init);
  checkWidthsFor(run, cmd.dSae ?? init!.spec.dSae);
  if (init && (init.spec.dIn !== cfg.dModel || init.spec.dOut !== cfg.dModel)) {
    throw new CliError(
      `--init ${cmd.init}: cfg.json has d_in ${init.spec.dIn}, d_out ${init.spec.dOut} but the model's d_model is ${cfg.dModel}`,
    );
  }
  const { model, corpus, options } = await openStream(cmd, flags, weights, device, shaders, init);
  const plan: DictionaryPlan = {
    id: kind,
    kind,
    layer: flags.layer ?? 0,
    hook: flags.hook,
    dSae: cmd.dSae ?? init!.spec.dSae,
    // The page's derivation (dictionarySeed.ts), so that the same --seed starts the same weights.
    seed: dictionarySeed(cmd.seed, kind),
    normalize: cmd.normalize,
    applyBDecToInput: cmd.applyBDecToInput,
    schedule: scheduleOf(cmd),
    deadFeatureWindow: cmd.deadFeatureWindow,
    featureSamplingWindow: cmd.featureSamplingWindow,
    init: init?.params,
    architecture: run.architecture,
    skip: run.skip,
  };
  const session = await StreamSession.create(device, shaders, model, corpus, [plan], options);
  try {
    const [dict] = session.dictionaries;
    const spec = dict!.spec;
    report(
      `training a ${kind} (d_sae ${spec.dSae}) on ${spec.hookName}` +
        (kind === "transcoder" ? ` -> ${spec.hookNameOut}` : "") +
        ` of ${modelName(flags.model)}; store of ${session.store.capacity} tokens`,
    );
    const log = await startMetricsLog(cmd.out);
    const metrics: TrainingMetrics[] = [];
    const started = performance.now();
    while (!session.finished) {
      for (const { metrics: m } of await session.step()) {
        metrics.push(m);
        await log(m);
        report(progressLine(m, cmd.steps));
      }
    }
    await dict!.trainer.gpu.idle();
    const seconds = (performance.now() - started) / 1000;
    const tokens = cmd.steps * cmd.batch;
    report(
      `trained on ${tokens} tokens in ${seconds.toFixed(1)} s: ${(tokens / seconds).toFixed(0)} tokens/s ` +
        `(the model ran over ${session.store.tokensGenerated} tokens)`,
    );
    const [exported] = await session.export();
    await saveDictionaryRun(
      cmd.out,
      spec,
      exported!.params,
      await dict!.trainer.readFeatureDensity(),
      init ? {} : { seed: plan.seed },
    );
    const { sIn, sOut } = dict!.trainer.options;
    if (flags.evalSequences === 0) return { spec, params: exported!.params, metrics, sIn, sOut };
    const [evaluated] = await session.evaluate(device, shaders, corpus, flags.evalSequences);
    await writeFile(join(cmd.out, "eval.json"), JSON.stringify(evaluated!.metrics, null, 2) + "\n");
    return { spec, params: exported!.params, metrics, sIn, sOut, eval: evaluated!.metrics };
  } finally {
    session.destroy();
    model.destroy();
  }
}

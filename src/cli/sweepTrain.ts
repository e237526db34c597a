import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DictionaryKind } from "../engine/dictionary/spec.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { parseHookName, type HookSite } from "../engine/model/hooks.ts";
import { StreamSession } from "../engine/stream/streamSession.ts";
import { expandSweep, parseLayers, type Sweep } from "../engine/stream/sweep.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { CliError } from "./cliError.ts";
import { modelName } from "./modelFlags.ts";
import { progressLine, startMetricsLog } from "./runOutputs.ts";
import type { TrainResult } from "./runTrain.ts";
import { openStream } from "./runStreamTrain.ts";
import { evaluateTranscoderSet } from "../engine/circuits/setQuality.ts";
import { runTranscoderSet, writeCircuitTracerSet } from "./sweepCircuitTracer.ts";
import { setQualityLine } from "./transcoderSetEval.ts";
import { frontierSvg } from "./sweepFrontier.ts";
import { sweepCsv, sweepRow, type SweepRow } from "./sweepSummary.ts";
import type { StreamFlags, TrainCommand } from "./trainCommand.ts";
import { firstDictionaryResult, saveSessionDictionaries, sessionPlans } from "./trainSessionRun.ts";

export type SweepResult = TrainResult & { rows: SweepRow[] };

/** The layers and SAE site of a run of several dictionaries, checked against the model. */
function sitesOf(flags: StreamFlags, nLayer: number): { layers: number[]; saeSite?: HookSite } {
  try {
    if (flags.layers !== undefined) {
      const layers = parseLayers(flags.layers, nLayer);
      const saeSite = flags.hook === undefined ? undefined : (flags.hook as HookSite);
      return { layers, ...(saeSite ? { saeSite } : {}) };
    }
    const layer = flags.layer!;
    if (layer >= nLayer) throw new Error(`--layer ${layer}: the model has layers 0..${nLayer - 1}`);
    if (flags.hook === undefined) return { layers: [layer] };
    const hook = /^blocks\./.test(flags.hook)
      ? parseHookName(flags.hook, nLayer)
      : parseHookName(`blocks.${layer}.${flags.hook}`, nLayer);
    return { layers: [layer], saeSite: hook.site };
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * `npm run train -- --model ... --kind sae,transcoder | --sweep S=... | --layers ...`: every
 * dictionary on one activation stream (one StreamSession), each written to DIR/<id>/, with
 * DIR/sweep.json, DIR/sweep.csv and DIR/frontier.svg.
 */
export async function runSweepTrain(
  cmd: TrainCommand,
  multi: { kinds: DictionaryKind[]; sweep?: Sweep },
  flags: StreamFlags,
  device: GPUDevice,
  shaders: ShaderLibrary,
  report: (line: string) => void,
): Promise<SweepResult> {
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  const nLayer = weights.config.nLayer;
  const { layers, saeSite } = sitesOf(flags, nLayer);
  const plans = sessionPlans(cmd, multi.kinds, (architecture) =>
    expandSweep({
      kinds: multi.kinds,
      layers,
      layerList: flags.layers !== undefined,
      ...(saeSite ? { saeSite } : {}),
      architecture,
      ...(multi.sweep ? { sweep: multi.sweep } : {}),
      runSeed: cmd.seed,
    }),
  );
  const { model, corpus, options } = await openStream(cmd, flags, weights, device, shaders);
  let session: StreamSession;
  try {
    session = await StreamSession.create(
      device,
      shaders,
      model,
      corpus,
      plans.map((p) => p.plan),
      options,
    );
  } catch (err) {
    model.destroy();
    throw new CliError((err as Error).message);
  }
  try {
    report(
      `training ${plans.length} dictionaries on one stream of ${modelName(flags.model)} ` +
        `(store of ${session.store.capacity} tokens): ${plans.map((p) => p.member.id).join(", ")}`,
    );
    const logs = new Map<string, (m: TrainingMetrics) => Promise<void>>();
    for (const p of plans) logs.set(p.member.id, await startMetricsLog(join(cmd.out, p.member.id)));
    const last = new Map<string, TrainingMetrics>();
    const started = performance.now();
    while (!session.finished) {
      for (const { id, metrics } of await session.step()) {
        last.set(id, metrics);
        await logs.get(id)!(metrics);
        report(progressLine(metrics, cmd.steps, `[${id}] `));
      }
    }
    await model.device.queue.onSubmittedWorkDone();
    const seconds = (performance.now() - started) / 1000;
    const tokens = cmd.steps * cmd.batch;
    report(
      `trained ${plans.length} dictionaries on ${tokens} tokens in ${seconds.toFixed(1)} s: ` +
        `${(tokens / seconds).toFixed(0)} tokens/s (the model ran over ` +
        `${session.store.tokensGenerated} tokens, once for all of them)`,
    );
    const exported = await saveSessionDictionaries(session, plans, (id) => join(cmd.out, id));
    const evals =
      flags.evalSequences === 0
        ? []
        : await session.evaluate(device, shaders, corpus, flags.evalSequences);
    for (const e of evals) {
      await writeFile(join(cmd.out, e.id, "eval.json"), JSON.stringify(e.metrics, null, 2) + "\n");
    }
    const rows = plans.map((p, i) =>
      sweepRow(p, session.dictionaries[i]!.spec, cmd, last.get(p.member.id), evals[i]?.metrics),
    );
    const trained = plans.map((p, i) => ({
      member: p.member,
      spec: session.dictionaries[i]!.spec,
      params: exported[i]!.params,
    }));
    const layerSet = flags.layers !== undefined && multi.sweep === undefined;
    const setRun = runTranscoderSet(trained, layerSet, nLayer, cmd.out);
    // The set as a whole, every MLP replaced at once, on the windows of the evaluations above.
    const setQuality =
      setRun && flags.evalSequences > 0
        ? await evaluateTranscoderSet(device, shaders, model, corpus, setRun.set, {
            sequences: flags.evalSequences,
            contextSize: options.contextSize,
            prependBos: options.prependBos,
            excludeSpecialTokens: options.excludeSpecialTokens,
          })
        : undefined;
    if (setQuality) report(setQualityLine(setQuality));
    await writeFile(
      join(cmd.out, "sweep.json"),
      JSON.stringify(
        { dictionaries: rows, ...(setQuality ? { transcoder_set: setQuality } : {}) },
        null,
        2,
      ) + "\n",
    );
    await writeFile(join(cmd.out, "sweep.csv"), sweepCsv(rows));
    await writeFile(join(cmd.out, "frontier.svg"), frontierSvg(rows));
    const set = await writeCircuitTracerSet(cmd.out, trained, layerSet, nLayer);
    if (set) report(set);
    return { ...firstDictionaryResult(session, exported), rows };
  } finally {
    session.destroy();
    model.destroy();
  }
}

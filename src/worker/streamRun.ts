import { ARCHITECTURE_DEFAULTS } from "../engine/reference/architectureSpec.ts";
import { paramLayout } from "../engine/dictionary/layout.ts";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { hookName } from "../engine/model/hooks.ts";
import {
  DEFAULT_EVAL_SEQUENCES,
  evaluateDictionary,
  StreamSession,
  type DictionaryPlan,
  type SessionCheckpoint,
} from "../engine/stream/streamSession.ts";
import type { TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { dictionarySeed } from "../engine/stream/dictionarySeed.ts";
import {
  architectureOptions,
  readsK,
  thresholdStorage,
  type ArchitectureOptions,
} from "../engine/train/architecture.ts";
import { checkFits } from "../engine/train/dictionaryBuffers.ts";
import type { EvalControl } from "../engine/eval/splicedEval.ts";
import { runDb } from "../storage/runDb.ts";
import { LIVE_DENSE_THRESHOLD, LiveDensity } from "./liveDensity.ts";
import type { SyntheticStreamSession } from "../engine/stream/syntheticSession.ts";
import { SYNTHETIC_PRESETS } from "../engine/synthetic/syntheticPresets.ts";
import { syntheticPresetOf } from "./syntheticProtocol.ts";
import {
  createSyntheticRun,
  finalTruth,
  liveTruth,
  liveTruthSamples,
  truthFor,
  type SyntheticRunParts,
} from "./syntheticRun.ts";
import {
  LIVE_EVAL_WINDOWS,
  type FromWorker,
  type HyperparameterChange,
  type RunPhase,
  type StreamDictionaryConfig,
  type StreamRunConfig,
} from "./protocol.ts";
import { autoLiveEvalEvery, MIN_LIVE_POINTS, ProgressThrottle, RunEta } from "./runProgress.ts";

/** Tokens per forward pass of the model while streaming (whole sequences): a store batch. */
export const STREAM_ROWS_PER_FORWARD = 1024;

/**
 * The longest sequences a run streams. SAELens trains GPT-2 small's SAEs at 128 tokens too;
 * a checkpoint's full context (1024) would make each forward pass one sequence.
 */
export const RUN_CONTEXT_MAX = 128;

export function runContextSize(config: { nCtx: number }): number {
  return Math.min(config.nCtx, RUN_CONTEXT_MAX);
}

/** A run's session: on the model's stream, or on a synthetic model's. */
type RunSession = StreamSession | SyntheticStreamSession;

/** A live evaluation: ce_loss_scores (model runs) or ground-truth points, and its cost. */
interface LiveResults {
  scores: [string, number][];
  truth?: Awaited<ReturnType<typeof liveTruth>>;
  ms: number;
}

/** Save a checkpoint when this long has passed since the last one (and on pause and stop). */
const CHECKPOINT_EVERY_MS = 10_000;

export interface RunContext {
  device: GPUDevice;
  shaders: ShaderLibrary;
  model: GpuGpt2;
  corpus: TokenCorpus;
  modelName: string;
  post: (m: FromWorker, transfer?: Transferable[]) => void;
}

/** Thrown inside an evaluation when the user stops the run: the evaluation ends there. */
class EvalStopped extends Error {
  constructor() {
    super("stopped by the user");
  }
}

/** A fault that ends the live run but leaves it resumable from its last checkpoint. */
export class RunFault extends Error {
  constructor(
    readonly kind: "nan",
    message: string,
    readonly step: number,
    readonly dictionary: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** The dictionary's architecture with SAELens's defaults for what the page does not set. */
export function architectureOf(d: StreamDictionaryConfig): ArchitectureOptions {
  const architecture = d.architecture ?? "standard";
  return architectureOptions({
    architecture,
    ...(readsK({ architecture }) && d.k !== undefined ? { k: d.k } : {}),
    ...(architecture === "matryoshka_batchtopk" && d.matryoshkaWidths !== undefined
      ? { matryoshkaWidths: d.matryoshkaWidths }
      : {}),
    ...(architecture === "jumprelu" && d.l0Coefficient !== undefined
      ? { l0Coefficient: d.l0Coefficient }
      : {}),
  });
}

export function plansOf(c: StreamRunConfig): DictionaryPlan[] {
  return c.dictionaries.map((d) => ({
    id: d.id,
    kind: d.kind,
    layer: d.layer ?? c.layer,
    hook: d.kind === "sae" ? hookName(d.layer ?? c.layer, d.site ?? "hook_resid_pre") : undefined,
    dSae: d.dSae,
    seed: dictionarySeed(c.seed, d.id),
    normalize: c.normalize,
    applyBDecToInput: true,
    schedule: {
      totalSteps: c.steps,
      lr: d.lr,
      lrWarmUpSteps: 0,
      lrDecaySteps: 0,
      l1Coefficient: d.l1Coefficient,
      l1WarmUpSteps: 0,
    },
    deadFeatureWindow: ARCHITECTURE_DEFAULTS.deadFeatureWindow,
    // Feature density read on logging steps only (the live histogram; see liveDensity.ts).
    featureSamplingWindow: c.logEvery,
    ...((d.architecture ?? "standard") === "standard" ? {} : { architecture: architectureOf(d) }),
    ...(d.kind === "transcoder" && d.skip ? { skip: true } : {}),
  }));
}

/**
 * Refuses, before anything is allocated, a run whose buffers the adapter cannot hold, naming
 * the size and the limit.
 */
export function checkRunFits(
  device: GPUDevice,
  model: GpuGpt2,
  c: StreamRunConfig,
  width = model.config.dModel,
): void {
  const d = width;
  for (const dict of c.dictionaries) {
    const skip = dict.kind === "transcoder" && dict.skip === true;
    const spec = { kind: dict.kind, dIn: d, dSae: dict.dSae, dOut: d, skip } as DictionarySpec;
    try {
      const architecture = architectureOf(dict);
      checkFits(
        device,
        paramLayout(spec, thresholdStorage(architecture)),
        c.batchSize,
        architecture,
      );
    } catch (err) {
      throw new Error(
        `${dict.label ?? (dict.kind === "sae" ? "SAE" : "transcoder")}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}

/**
 * One run of the page: trains its dictionaries together on the model's stream, posting metrics
 * on logging steps (the only read-backs), a ce_loss_score now and then, and saving checkpoints
 * to IndexedDB; it can pause, step, resume with new hyperparameters, and stop.
 */
export class StreamRun {
  private pauseRequested = false;
  private stepsRequested = 0;
  private stopRequested = false;
  private nanRequested = false;
  private deviceLost = false;
  private wake: (() => void) | undefined;
  private pending: Omit<HyperparameterChange, "step" | "previous">[] = [];
  private phase: RunPhase = "preparing";
  private checkpointStep = -1;
  /** The feature density windows read while training (undefined before it starts). */
  private density: LiveDensity | undefined;
  private weightsStep = -1;
  private lastCheckpoint = 0;
  private activeBefore = 0;
  private activeFrom: number | undefined;
  /** activeMs() when the training loop began (after a resume's replay). */
  private trainStartedAt = 0;
  private readonly throttle = new ProgressThrottle();
  private eta: RunEta | undefined;
  /** The phase a pause interrupted (restored by Resume). */
  private phaseBeforePause: RunPhase = "running";
  /** A run on a synthetic model: its session's parts (the evaluation stream). */
  private synthetic: SyntheticRunParts | undefined;
  /** Aborted by Stop: ends a ground-truth evaluation in flight. */
  private readonly stopSignal = new AbortController();
  /** Set while an evaluation runs: the step it is of and what the page says meanwhile. */
  private evaluatingAt: { step: number; message: string; final: boolean } | undefined;

  constructor(
    private readonly ctx: RunContext,
    readonly runId: string,
    readonly config: StreamRunConfig,
  ) {}

  /**
   * During an evaluation the run is paused at once: it issues no more work, and the forward
   * pass already on the GPU (seconds on a software adapter) ends in the background before the
   * evaluation holds. Between training steps it pauses after the step in flight.
   */
  pause(): void {
    this.pauseRequested = true;
    if (this.evaluatingAt && this.phase !== "paused") {
      this.phaseBeforePause = this.phase;
      this.phase = "paused";
      this.state(this.evaluatingAt.step);
    }
  }

  resume(): void {
    this.pauseRequested = false;
    if (this.wake) this.wake();
    else if (this.evaluatingAt && this.phase === "paused") {
      // Resumed before the evaluation got to hold: it goes on as it was.
      this.phase = this.phaseBeforePause;
      this.state(this.evaluatingAt.step, this.evaluatingAt.message);
    }
  }

  step(): void {
    // No training step is left once the final evaluation (or Evaluate's) has begun.
    if (this.evaluatingAt?.final) return;
    this.pauseRequested = true;
    this.stepsRequested++;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.stopSignal.abort(new EvalStopped());
    this.wake?.();
  }

  setHyperparameters(change: Omit<HyperparameterChange, "step" | "previous">): void {
    this.pending.push(change);
  }

  /** The device is gone: the loop ends (the run resumes later from its last checkpoint). */
  abortDeviceLost(): void {
    this.deviceLost = true;
    this.wake?.();
  }

  /** Test-only: the next step trains on NaN weights. */
  injectNaN(): void {
    this.nanRequested = true;
  }

  private state(step: number, message?: string): void {
    this.ctx.post({
      type: "run-state",
      runId: this.runId,
      phase: this.phase,
      step,
      totalSteps: this.config.steps,
      message,
    });
  }

  async run(resume: boolean): Promise<void> {
    const { device, shaders, model, corpus, post } = this.ctx;
    const c = this.config;
    if (c.dictionaries.length === 0) throw new Error("choose at least one dictionary to train");
    const preset = syntheticPresetOf(c);
    checkRunFits(device, model, c, preset && SYNTHETIC_PRESETS[preset].hidden_dim);
    this.startClock();
    const contextSize = runContextSize(model.config);
    const seqsPerForward = Math.max(1, Math.floor(STREAM_ROWS_PER_FORWARD / contextSize));
    this.state(
      0,
      preset ? `building the synthetic model ${preset}…` : "filling the activation store…",
    );
    if (preset) {
      this.synthetic = await createSyntheticRun(device, shaders, preset, plansOf(c), c);
    }
    const session: RunSession =
      this.synthetic?.session ??
      (await StreamSession.create(device, shaders, model, corpus, plansOf(c), {
        batchSize: c.batchSize,
        // SAELens's n_batches_in_buffer (20), or more when a batch needs it.
        bufferBatches: Math.max(20, 2 * Math.ceil(c.batchSize / (seqsPerForward * contextSize))),
        seqsPerForward,
        contextSize,
        prependBos: false,
        excludeSpecialTokens: true,
        storeSeed: c.seed,
        logEvery: c.logEvery,
        modelName: this.ctx.modelName,
        datasetPath: "builtin:brown (train slice)",
      }));
    try {
      if (resume) await this.restore(session);
      await this.train(session);
      if (!this.stopRequested) await this.finish(session);
      if (this.stopRequested) {
        const step = session.batchesServed;
        if (this.checkpointStep !== step) await this.saveCheckpoint(session);
        if (this.weightsStep !== step) await this.saveWeights(session);
        post({ type: "stopped", runId: this.runId, steps: step });
        return;
      }
      post({ type: "done", runId: this.runId, steps: session.batchesServed });
    } finally {
      if (this.synthetic) this.synthetic.destroy();
      else session.destroy();
    }
  }

  /**
   * Scores the saved weights of a stopped run, each dictionary spliced into the model on the
   * run's held-out windows (as the end of a run does; the default count when it had none).
   */
  async evaluateStored(): Promise<void> {
    const { device, shaders, model, corpus, post } = this.ctx;
    const stored = await runDb.weights(this.runId);
    if (!stored) throw new Error("this run has no saved weights to evaluate");
    const step = (await runDb.checkpoint(this.runId))?.step ?? 0;
    const preset = syntheticPresetOf(this.config);
    if (preset) {
      const transcoder = stored.dictionaries.some((d) => d.spec.kind === "transcoder");
      const truth = await truthFor(device, shaders, preset, transcoder);
      this.phase = "evaluating";
      this.state(step, "measuring the ground truth of the saved weights…");
      try {
        for (const d of stored.dictionaries) {
          const result = await finalTruth(truth, preset, d, this.stopSignal.signal);
          post({ type: "truth", runId: this.runId, dictionary: d.id, truth: result });
        }
      } catch (err) {
        if (!this.stopRequested) throw err;
      } finally {
        truth.destroy();
      }
      post({ type: "evaluated", runId: this.runId });
      return;
    }
    const sequences =
      this.config.evalSequences > 0 ? this.config.evalSequences : DEFAULT_EVAL_SEQUENCES;
    const total = sequences * stored.dictionaries.length;
    this.startClock();
    this.eta = new RunEta(this.config.steps, step, total);
    this.phase = "evaluating";
    const message = `evaluating the weights of step ${step} spliced in…`;
    this.state(step, message);
    const control = this.evalControl(undefined, step, total, message);
    try {
      await this.evaluating(step, message, async () => {
        for (const [i, d] of stored.dictionaries.entries()) {
          const metrics = await evaluateDictionary(
            device,
            shaders,
            model,
            corpus,
            d.spec,
            d.params,
            {
              sequences,
              contextSize: d.spec.contextSize ?? runContextSize(model.config),
              prependBos: d.spec.prependBos ?? false,
              // The run's own spec says true (GPT-2's <|endoftext|>), as its session evaluates.
              excludeSpecialTokens: d.spec.excludeSpecialTokens !== false,
              control: { ...control, between: (done) => control.between(i * sequences + done) },
            },
          );
          post({ type: "eval", runId: this.runId, dictionary: d.id, metrics });
        }
      });
    } catch (err) {
      if (!(err instanceof EvalStopped)) throw err;
    }
    post({ type: "evaluated", runId: this.runId });
  }

  private async restore(session: RunSession): Promise<void> {
    const saved = await runDb.checkpoint(this.runId);
    if (!saved) throw new Error("this run has no checkpoint to resume from");
    this.state(0, `replaying the stream to step ${saved.step}…`);
    await session.restore(saved.session, (batches) =>
      this.state(batches, `replaying the stream to step ${saved.step}… ${batches}`),
    );
    // Learning rates and L1 coefficients changed since the checkpoint (e.g. after a NaN).
    for (const d of this.config.dictionaries) {
      this.pending.push({
        dictionary: d.id,
        lr: d.lr,
        l1Coefficient: d.l1Coefficient,
        ...(d.architecture === "jumprelu" && d.l0Coefficient !== undefined
          ? { l0Coefficient: d.l0Coefficient }
          : {}),
      });
    }
  }

  /** Time the run has been worked on in this session: wall time less the time paused. */
  private activeMs(): number {
    return (
      this.activeBefore + (this.activeFrom !== undefined ? performance.now() - this.activeFrom : 0)
    );
  }

  private startClock(): void {
    this.activeFrom ??= performance.now();
  }

  private stopClock(): void {
    this.activeBefore = this.activeMs();
    this.activeFrom = undefined;
  }

  /**
   * While a pause is asked for (and no Step), says so at once, saves a checkpoint and waits;
   * the phase and message before it come back on Resume. False when it did not wait.
   */
  private async holdWhilePaused(
    session: RunSession | undefined,
    step: number,
    message?: string,
  ): Promise<boolean> {
    if (!this.pauseRequested || this.stepsRequested > 0 || this.stopRequested) return false;
    if (this.deviceLost) return false;
    if (this.phase !== "paused") {
      this.phaseBeforePause = this.phase;
      this.phase = "paused";
      this.state(step);
    }
    if (session && this.checkpointStep !== session.batchesServed) {
      await this.saveCheckpoint(session);
      this.lastCheckpoint = performance.now();
    }
    if (!this.pauseRequested || this.stepsRequested > 0 || this.stopRequested) return true;
    this.stopClock();
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    this.startClock();
    if (!this.pauseRequested && this.phaseBeforePause !== "paused") {
      this.phase = this.phaseBeforePause;
      this.state(step, message);
    }
    return true;
  }

  /**
   * What an evaluation hears between forward passes: a stop ends it (EvalStopped), a pause
   * holds it, a lost device fails it; with `total` windows it reports its progress.
   */
  private evalControl(
    session: RunSession | undefined,
    step: number,
    total: number,
    message: string,
  ): EvalControl & { between: (done: number) => Promise<void> } {
    const startedAt = this.activeMs();
    return {
      perPass: true,
      between: async (done) => {
        for (;;) {
          if (this.stopRequested) throw new EvalStopped();
          if (this.deviceLost) throw new Error("the GPU device was lost");
          if (!(await this.holdWhilePaused(session, step, message))) break;
        }
        if (total === 0) return;
        if (!this.throttle.due(performance.now(), done === 0 || done >= total)) return;
        this.ctx.post({
          type: "progress",
          runId: this.runId,
          stage: "evaluating",
          step,
          tokens: step * this.config.batchSize,
          windowsDone: done,
          windowsTotal: total,
          etaMs: this.eta?.evaluating(done, this.activeMs() - startedAt),
        });
      },
    };
  }

  /** Runs an evaluation of `step`'s weights, during which a pause answers at once. */
  private async evaluating<T>(
    step: number,
    message: string,
    f: () => Promise<T>,
    final = true,
  ): Promise<T> {
    this.evaluatingAt = { step, message, final };
    try {
      return await f();
    } finally {
      this.evaluatingAt = undefined;
    }
  }

  /** The step and the ETA, at most PROGRESS_PER_SECOND times a second unless forced. */
  private progress(step: number, force = false): void {
    if (!this.throttle.due(performance.now(), force)) return;
    this.ctx.post({
      type: "progress",
      runId: this.runId,
      stage: "training",
      step,
      tokens: step * this.config.batchSize,
      etaMs: this.eta?.training(step, this.activeMs() - this.trainStartedAt),
    });
  }

  private async train(session: RunSession): Promise<void> {
    const { post } = this.ctx;
    const c = this.config;
    const started = performance.now();
    let since = started;
    let stepsSince = 0;
    let trainingMs = 0;
    this.lastCheckpoint = performance.now();
    const generated = () =>
      session instanceof StreamSession ? session.store.tokensGenerated : session.batchesServed;
    const generatedAtStart = generated();
    const resumedAt = session.batchesServed;
    const windows = LIVE_EVAL_WINDOWS * c.dictionaries.length;
    const finalWindows = c.evalSequences * c.dictionaries.length;
    // A fixed period keeps its multiples; the automatic one measures early, then spreads the
    // points so that they cost about a tenth of the time and number at least MIN_LIVE_POINTS.
    const fixed = c.liveEvalEvery > 0 ? c.liveEvalEvery : undefined;
    let liveEvery = fixed ?? 0;
    let evalMs: number | undefined;
    let nextLiveEval = fixed
      ? (Math.floor(resumedAt / fixed) + 1) * fixed
      : resumedAt + Math.min(c.logEvery, Math.max(1, Math.floor(c.steps / (MIN_LIVE_POINTS + 1))));
    this.density = new LiveDensity(c.batchSize, c.logEvery, resumedAt);
    this.phase = "running";
    this.state(session.batchesServed);
    // A checkpoint from the start, so that a fault at any step leaves the run resumable.
    await this.saveCheckpoint(session);
    while (!session.finished && !this.stopRequested) {
      if (this.deviceLost) throw new Error("the GPU device was lost");
      if (await this.holdWhilePaused(session, session.batchesServed)) {
        since = performance.now();
        stepsSince = 0;
        continue;
      }
      if (this.stepsRequested > 0) this.stepsRequested--;
      if (this.phase !== "running" && !this.pauseRequested) {
        this.phase = "running";
        this.state(session.batchesServed);
      }
      this.applyPending(session);
      if (this.nanRequested) await this.poison(session);
      const t0 = performance.now();
      const logged = await session.step();
      stepsSince++;
      const step = session.batchesServed;
      const tokens = step * c.batchSize;
      if (logged.length > 0) {
        const now = performance.now();
        trainingMs += now - t0;
        const tokensPerSecond = (stepsSince * c.batchSize) / ((now - since) / 1000);
        const streamTokensPerSecond = (generated() - generatedAtStart) / ((now - started) / 1000);
        for (const { id, metrics } of logged) {
          if (!Number.isFinite(metrics.loss)) {
            throw new RunFault(
              "nan",
              `the ${id === "sae" ? "SAE" : "transcoder"}'s loss became ${metrics.loss} at step ${metrics.step}`,
              metrics.step,
              id,
              "lower its learning rate, then resume from the last checkpoint",
            );
          }
        }
        const densities: { dictionary: string; log10: number[] }[] = [];
        const entries = logged.map(({ id, metrics }) => {
          const { feature_density_log10: log10, ...scalars } = metrics;
          if (log10) densities.push({ dictionary: id, log10 });
          return { dictionary: id, metrics: scalars };
        });
        post({
          type: "metrics",
          runId: this.runId,
          entries,
          tokens,
          tokensPerSecond,
          streamTokensPerSecond,
        });
        if (densities.length > 0 && this.density) {
          const read = this.density.take(logged[0]!.metrics.step, densities);
          this.ctx.post(
            {
              type: "density",
              runId: this.runId,
              step,
              tokens,
              windowTokens: read.windowTokens,
              denseThreshold: LIVE_DENSE_THRESHOLD,
              entries: read.entries,
            },
            read.entries.map((e) => e.log10.buffer),
          );
        }
        since = now;
        stepsSince = 0;
      } else {
        trainingMs += performance.now() - t0;
      }
      // The first step fills the activation store, a cost paid once: the ETA counts from after it.
      if (step === resumedAt + 1) {
        this.eta = new RunEta(c.steps, step, finalWindows);
        if (evalMs !== undefined) this.eta.evalCost(windows, evalMs);
        this.trainStartedAt = this.activeMs();
      }
      this.progress(step, session.finished);
      if (step >= nextLiveEval && !session.finished) {
        const results: LiveResults | undefined =
          session instanceof StreamSession
            ? await this.liveEval(session, step)
            : await this.liveTruth(step);
        if (!results) break; // stopped during it
        if (evalMs === undefined) {
          evalMs = results.ms;
          this.eta?.evalCost(windows, results.ms);
        }
        if (!fixed) {
          const stepMs = trainingMs / Math.max(1, step - resumedAt);
          liveEvery = autoLiveEvalEvery({ evalMs, stepMs, totalSteps: c.steps });
        }
        for (const [dictionary, ce] of results.scores) {
          post({
            type: "live-eval",
            runId: this.runId,
            dictionary,
            step,
            tokens,
            ce_loss_score: ce,
            every: liveEvery,
            windows: LIVE_EVAL_WINDOWS,
          });
        }
        if (results.truth) {
          post({
            type: "live-truth",
            runId: this.runId,
            step,
            tokens,
            entries: results.truth,
            every: liveEvery,
            samples: liveTruthSamples(syntheticPresetOf(c)!),
          });
        }
        nextLiveEval = step + liveEvery;
      }
      // Stepping while paused: the page hears the new step (the phase may change in an await).
      if ((this.phase as RunPhase) === "paused") this.state(step);
      if (performance.now() - this.lastCheckpoint > CHECKPOINT_EVERY_MS) {
        await this.saveCheckpoint(session);
        this.lastCheckpoint = performance.now();
      }
    }
  }

  private applyPending(session: RunSession): void {
    // Only the last change to each dictionary counts (typing a value sends several).
    const last = new Map(this.pending.splice(0).map((c) => [c.dictionary, c]));
    for (const change of last.values()) {
      const d = session.dictionaries.find((x) => x.id === change.dictionary);
      if (!d) continue;
      const { lr, l1Coefficient } = d.trainer.options.schedule;
      // Only JumpReLU reads an L0 coefficient; elsewhere one sent is ignored.
      const jumprelu = d.trainer.gpu.architecture.architecture === "jumprelu";
      const l0Coefficient = jumprelu ? d.trainer.currentL0Coefficient : undefined;
      const { l0Coefficient: asked, ...plain } = change;
      const l0 = jumprelu && asked !== undefined ? { l0Coefficient: asked } : {};
      const l0Same = l0.l0Coefficient === undefined || l0.l0Coefficient === l0Coefficient;
      if (lr === change.lr && l1Coefficient === change.l1Coefficient && l0Same) continue;
      d.trainer.setHyperparameters({ lr: change.lr, l1Coefficient: change.l1Coefficient, ...l0 });
      this.ctx.post({
        type: "hyperparameters",
        runId: this.runId,
        change: {
          ...plain,
          ...l0,
          step: session.batchesServed,
          previous: { lr, l1Coefficient, ...(jumprelu ? { l0Coefficient } : {}) },
        },
      });
    }
  }

  private async poison(session: RunSession): Promise<void> {
    this.nanRequested = false;
    const gpu = session.dictionaries[0]!.trainer.gpu;
    const p = await gpu.readParams();
    p.wEnc[0] = NaN;
    gpu.setParams(p);
  }

  /**
   * ce_loss_score of every dictionary on a few held-out windows, and what it cost in active
   * time; undefined when the run was stopped during it. A pause holds it between passes.
   */
  private async liveEval(
    session: StreamSession,
    step: number,
  ): Promise<{ scores: [string, number][]; ms: number } | undefined> {
    const t0 = this.activeMs();
    const message = "measuring the CE score…";
    if (this.phase === "running") this.state(step, message);
    try {
      const evaluated = await this.evaluating(
        step,
        message,
        () =>
          session.evaluateTraining(this.ctx.device, this.ctx.shaders, this.ctx.corpus, {
            sequences: LIVE_EVAL_WINDOWS,
            excludeSpecialTokens: true,
            control: this.evalControl(session, step, 0, message),
          }),
        false,
      );
      const scores = evaluated.map(({ id, metrics }): [string, number] => [
        id,
        metrics.ce_loss_score,
      ]);
      return { scores, ms: this.activeMs() - t0 };
    } catch (err) {
      if (err instanceof EvalStopped) return undefined;
      throw err;
    } finally {
      if (this.phase === "running") this.state(step);
    }
  }

  /**
   * The live ground truth of every dictionary on the evaluation stream, and what it cost in
   * active time; undefined when the run was stopped during it.
   */
  private async liveTruth(step: number): Promise<LiveResults | undefined> {
    const t0 = this.activeMs();
    const message = "measuring the ground truth…";
    if (this.phase === "running") this.state(step, message);
    try {
      const truth = await this.evaluating(
        step,
        message,
        () =>
          liveTruth(this.synthetic!, syntheticPresetOf(this.config)!, step, this.stopSignal.signal),
        false,
      );
      return { scores: [], truth, ms: this.activeMs() - t0 };
    } catch (err) {
      if (this.stopRequested) return undefined;
      throw err;
    } finally {
      if (this.phase === "running") this.state(step);
    }
  }

  /** The final ground truth of the saved weights, with each dictionary's similarity heatmap. */
  private async finishTruth(
    session: SyntheticStreamSession,
    step: number,
    message: string,
  ): Promise<void> {
    const preset = syntheticPresetOf(this.config)!;
    const exported = await session.export();
    try {
      await this.evaluating(step, message, async () => {
        for (const d of exported) {
          const truth = await finalTruth(this.synthetic!.truth, preset, d, this.stopSignal.signal);
          this.ctx.post({ type: "truth", runId: this.runId, dictionary: d.id, truth });
        }
      });
    } catch (err) {
      if (!this.stopRequested) throw err;
    }
  }

  private async saveCheckpoint(session: RunSession): Promise<void> {
    const checkpoint: SessionCheckpoint = await session.checkpoint();
    const finite = checkpoint.dictionaries.every((d) => d.gpu.params.every(Number.isFinite));
    if (!finite) return; // keep the last good one
    const step = checkpoint.batches;
    this.checkpointStep = step;
    await runDb.putCheckpoint({
      runId: this.runId,
      step,
      session: checkpoint,
      savedAt: Date.now(),
    });
    this.ctx.post({ type: "checkpoint", runId: this.runId, step });
  }

  private async saveWeights(session: RunSession): Promise<void> {
    const exported = await session.export();
    const dictionaries = [];
    for (const [i, d] of exported.entries()) {
      const last = await session.dictionaries[i]!.trainer.readFeatureDensity();
      const sparsity =
        this.density?.merged(d.id, last, session.batchesServed) ?? Float32Array.from(last);
      dictionaries.push({ ...d, sparsity });
    }
    await runDb.putWeights({ runId: this.runId, step: session.batchesServed, dictionaries });
    this.weightsStep = session.batchesServed;
  }

  private async finish(session: RunSession): Promise<void> {
    const c = this.config;
    const step = session.batchesServed;
    this.phase = "evaluating";
    const message = this.synthetic
      ? "measuring the ground truth…"
      : "evaluating with the dictionaries spliced in…";
    this.state(step, message);
    await this.saveCheckpoint(session);
    await this.saveWeights(session);
    if (!(session instanceof StreamSession)) return this.finishTruth(session, step, message);
    if (c.evalSequences <= 0) return;
    const total = c.evalSequences * session.dictionaries.length;
    let evaluated;
    try {
      evaluated = await this.evaluating(step, message, () =>
        session.evaluate(
          this.ctx.device,
          this.ctx.shaders,
          this.ctx.corpus,
          c.evalSequences,
          this.evalControl(session, step, total, message),
        ),
      );
    } catch (err) {
      if (err instanceof EvalStopped) return;
      throw err;
    }
    for (const { id, metrics } of evaluated) {
      this.ctx.post({ type: "eval", runId: this.runId, dictionary: id, metrics });
    }
  }
}

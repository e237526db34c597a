/**
 * What every session that trains several dictionaries on one stream does, whatever feeds the
 * stream: each step serves one batch to every unfinished dictionary and trains them on it; it
 * checkpoints, restores and exports their state. The batches come from a BatchSource: the
 * language model's activation store (StreamSession) or a synthetic model's sampler
 * (SyntheticStreamSession).
 */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { selectsOverBatch } from "../train/architecture.ts";
import type { DictionaryState } from "../train/gpuDictionary.ts";
import type { TrainingMetrics } from "../train/metrics.ts";
import type { DictionaryTrainer, TrainerState } from "../train/trainer.ts";

export interface TrainedDictionary {
  id: string;
  spec: DictionarySpec;
  trainer: DictionaryTrainer;
}

/** Where a session's batches come from. */
export interface BatchSource {
  /**
   * Queues batch `step` into each listed dictionary's batch buffers: its input, and a
   * transcoder's target.
   */
  serve(step: number, dictionaries: readonly TrainedDictionary[]): void;
  /**
   * Brings a new source to where a checkpoint of `batches` steps left it; `onProgress` hears
   * the batches passed so far, when passing them takes long.
   */
  resumeAt(batches: number, onProgress: (batches: number) => void): Promise<void>;
  destroy(): void;
}

/**
 * A session's state after `batches` steps: every dictionary's GPU and host state. The stream
 * itself is not stored: the source resumes at `batches`, so a resumed run sees exactly the
 * batches an uninterrupted one would.
 */
export interface SessionCheckpoint {
  batches: number;
  dictionaries: { id: string; gpu: DictionaryState; trainer: TrainerState }[];
}

/** A dictionary's weights acting on raw activations (SAELens export). */
export interface ExportedDictionary {
  id: string;
  spec: DictionarySpec;
  params: DictionaryParams;
}

export class DictionarySession {
  private batches = 0;

  protected constructor(
    readonly device: GPUDevice,
    private readonly source: BatchSource,
    readonly dictionaries: TrainedDictionary[],
  ) {}

  get finished(): boolean {
    return this.dictionaries.every((d) => d.trainer.finished);
  }

  /** Batches served so far (steps taken). */
  get batchesServed(): number {
    return this.batches;
  }

  /** Serves batch `batchesServed` to every unfinished dictionary and trains them on it. */
  async step(): Promise<{ id: string; metrics: TrainingMetrics }[]> {
    const active = this.dictionaries.filter((d) => !d.trainer.finished);
    this.source.serve(this.batches, active);
    this.batches++;
    const out: { id: string; metrics: TrainingMetrics }[] = [];
    for (const d of active) {
      const metrics = await d.trainer.stepOnDeviceBatch();
      if (metrics) out.push({ id: d.id, metrics });
    }
    return out;
  }

  async checkpoint(): Promise<SessionCheckpoint> {
    const dictionaries = [];
    for (const d of this.dictionaries) {
      dictionaries.push({
        id: d.id,
        gpu: await d.trainer.gpu.readState(),
        trainer: d.trainer.state,
      });
    }
    return { batches: this.batches, dictionaries };
  }

  /**
   * Continues from a checkpoint of a session made with the same plans and options: the source
   * resumes at its step (nothing is trained on the way), then every dictionary is restored.
   * `onProgress` hears the batches the source has passed (a replayed stream's).
   */
  async restore(
    checkpoint: SessionCheckpoint,
    onProgress: (batches: number) => void = () => {},
  ): Promise<void> {
    if (this.batches !== 0) throw new Error("restore a checkpoint into a new session");
    for (const saved of checkpoint.dictionaries) {
      if (!this.dictionaries.some((d) => d.id === saved.id)) {
        throw new Error(`the checkpoint has a dictionary "${saved.id}" this run does not`);
      }
    }
    const states = this.dictionaries.map((d) => {
      const saved = checkpoint.dictionaries.find((c) => c.id === d.id);
      if (!saved) throw new Error(`the checkpoint has no state for "${d.id}"`);
      return saved;
    });
    await this.source.resumeAt(checkpoint.batches, onProgress);
    this.batches = checkpoint.batches;
    for (const [i, d] of this.dictionaries.entries()) {
      d.trainer.gpu.writeState(states[i]!.gpu);
      d.trainer.restore(states[i]!.trainer);
    }
    await this.device.queue.onSubmittedWorkDone();
  }

  /** The dictionaries' weights acting on raw activations (SAELens export). */
  async export(): Promise<ExportedDictionary[]> {
    const out = [];
    for (const d of this.dictionaries) {
      out.push({ id: d.id, spec: d.spec, params: await d.trainer.exportParams() });
    }
    return out;
  }

  /**
   * The exported dictionaries to evaluate, each with the k of a BatchTopK dictionary evaluated
   * `training`: as SAELens's evaluators run the training SAE, keeping the int(k·rows) largest
   * latents of the rows evaluated together, not those above its running threshold τ (its saved
   * form), which starts at 0 and keeps far more than k early on.
   */
  protected async exportForEvaluation(
    training: boolean,
  ): Promise<(ExportedDictionary & { batchTopK: number | undefined })[]> {
    const exported = await this.export();
    return exported.map((d, i) => {
      const a = this.dictionaries[i]!.trainer.gpu.architecture;
      return { ...d, batchTopK: training && selectsOverBatch(a) ? a.k : undefined };
    });
  }

  destroy(): void {
    this.source.destroy();
    for (const d of this.dictionaries) d.trainer.gpu.destroy();
  }
}

import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import type { Gpt2Config } from "../engine/model/gpt2Config.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { loadGpt2ToGpu } from "../engine/model/streamGpt2.ts";
import type { LoadedModel } from "./loadedWeights.ts";
import type { FromWorker, ModelSource } from "./protocol.ts";
import { runContextSize, STREAM_ROWS_PER_FORWARD } from "./streamRun.ts";

export interface ModelSlotDeps {
  device: () => Promise<GPUDevice>;
  shaders: ShaderLibrary;
  builtinName: string;
  builtinWeights: (processing: boolean) => Promise<Gpt2Weights>;
  loadedModel: (loadId: string) => LoadedModel | undefined;
  post: (m: FromWorker) => void;
}

const UPLOAD_LABEL = "Uploading the model to the GPU";
const REPORT_EVERY_MS = 100;

interface Built {
  source: ModelSource;
  processing: boolean;
  model: Promise<GpuGpt2>;
}

const sameSource = (a: ModelSource, b: ModelSource) =>
  a.kind === b.kind && (a.kind === "builtin" || a.loadId === (b as typeof a).loadId);

/**
 * The model the engine runs, on the GPU: the built-in one or a loaded checkpoint streamed
 * tensor by tensor. A switch builds the new model beside the old one and swaps only when it is
 * complete, so a failed or cancelled switch leaves the previous model in use.
 */
export class ModelSlot {
  private source: ModelSource = { kind: "builtin" };
  private built: Built | undefined;
  private switching: AbortController | undefined;

  constructor(private readonly deps: ModelSlotDeps) {}

  get current(): ModelSource {
    return this.source;
  }

  get isSwitching(): boolean {
    return this.switching !== undefined;
  }

  /** The current model's name (a loaded item's name is untrusted text). */
  name(): string {
    const s = this.source;
    return s.kind === "builtin"
      ? this.deps.builtinName
      : (this.deps.loadedModel(s.loadId)?.name ?? s.loadId);
  }

  /** The loaded checkpoint's config, or undefined for the built-in model. */
  loadedConfig(): { config: Gpt2Config; name: string } | undefined {
    if (this.source.kind === "builtin") return undefined;
    const m = this.deps.loadedModel(this.source.loadId);
    return m && { config: m.recognized.config, name: m.name };
  }

  /** The current model at this processing setting; a new setting loads it again. */
  model(processing: boolean): Promise<GpuGpt2> {
    if (this.built?.processing !== processing || !sameSource(this.built.source, this.source)) {
      const previous = this.built?.model;
      void previous?.then(
        (m) => m.destroy(),
        () => {},
      );
      const model = this.build(this.source, processing, new AbortController().signal);
      const built = { source: this.source, processing, model };
      this.built = built;
      model.catch(() => {
        if (this.built === built) this.built = undefined;
      });
    }
    return this.built.model;
  }

  /**
   * Switches to `source`. Resolves once it is in use; rejects (previous model still in use) when
   * its load fails; resolves false when cancelled or overtaken by another switch.
   */
  async use(source: ModelSource, processing: boolean): Promise<boolean> {
    this.switching?.abort();
    const controller = new AbortController();
    this.switching = controller;
    try {
      const model = this.build(source, processing, controller.signal);
      let gpu: GpuGpt2;
      try {
        gpu = await model;
      } catch (err) {
        if (controller.signal.aborted) return false;
        throw err;
      }
      if (controller.signal.aborted) {
        gpu.destroy();
        return false;
      }
      const previous = this.built?.model;
      this.source = source;
      this.built = { source, processing, model };
      void previous?.then(
        (m) => m.destroy(),
        () => {},
      );
      return true;
    } finally {
      if (this.switching === controller) this.switching = undefined;
    }
  }

  /** Stops a switch to this item, if one is in flight. */
  cancel(loadId: string, target: ModelSource | undefined): void {
    if (target?.kind === "loaded" && target.loadId === loadId) this.switching?.abort();
  }

  /** Drops the GPU model (the device was lost); the next model() builds it again. */
  forget(): void {
    this.built = undefined;
  }

  private async build(
    source: ModelSource,
    processing: boolean,
    signal: AbortSignal,
  ): Promise<GpuGpt2> {
    const device = await this.deps.device();
    if (source.kind === "builtin") {
      const weights = await this.deps.builtinWeights(processing);
      signal.throwIfAborted();
      const ctx = runContextSize(weights.config);
      return new GpuGpt2(device, this.deps.shaders, weights, rowsFor(ctx), ctx);
    }
    const loaded = this.deps.loadedModel(source.loadId);
    if (!loaded) throw new Error("this item is no longer loaded; load it again");
    const { config, file, configName } = loaded.recognized;
    const { loadId } = source;
    let last = -Infinity;
    const weights = await loadGpt2ToGpu(config, file, device, {
      processing,
      configName,
      signal: AbortSignal.any([signal, loaded.signal]),
      onProgress: (done, total) => {
        const now = performance.now();
        if (now - last < REPORT_EVERY_MS && done < total) return;
        last = now;
        this.deps.post({ type: "load-progress", loadId, loaded: done, total, label: UPLOAD_LABEL });
      },
    });
    try {
      const ctx = runContextSize(config);
      return new GpuGpt2(device, this.deps.shaders, weights, rowsFor(ctx), ctx);
    } catch (err) {
      weights.destroy();
      throw err;
    }
  }
}

/**
 * Rows of activations the model is built for: one stream forward pass of whole sequences. At
 * d_model 768 that is ~50 MB of activation buffers; the attention pattern is sized for the run's
 * context, not the checkpoint's (GPT-2's 1024 would make it 8 times larger).
 */
function rowsFor(contextSize: number): number {
  return Math.max(contextSize, STREAM_ROWS_PER_FORWARD);
}

/**
 * Feature matching in the worker: two dictionaries (trained or loaded) that run on the model in
 * use, matched over the first tokens of the held-out slice (featureMatchPass.ts), one request at
 * a time, cancellable.
 */
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { matchFeatures } from "../engine/features/featureMatchPass.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import type { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { GPT2_SPECIAL_TOKENS, type TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { heldOutWindows } from "./featureInspector.ts";
import type { FeatureDictionaryRef, FromWorkerFeatures, ToWorkerFeatures } from "./protocol.ts";

const SEED = 0;
const REPORT_EVERY_MS = 100;

export interface FeatureMatcherDeps {
  device: () => Promise<GPUDevice>;
  shaders: ShaderLibrary;
  corpus: () => Promise<TokenCorpus>;
  model: () => Promise<{ gpu: GpuGpt2; name: string; builtin: boolean }>;
  dictionary: (
    ref: FeatureDictionaryRef,
  ) => Promise<{ spec: DictionarySpec; params: DictionaryParams; label: string }>;
  busy: () => string | undefined;
  post: (m: FromWorkerFeatures, transfer?: Transferable[]) => void;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class FeatureMatcher {
  private running: { requestId: string; controller: AbortController } | undefined;

  constructor(private readonly deps: FeatureMatcherDeps) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  handle(m: Extract<ToWorkerFeatures, { type: "match-features" | "cancel-match" }>): void {
    if (m.type === "cancel-match") {
      if (this.running?.requestId === m.requestId) this.running.controller.abort();
      return;
    }
    void this.match(m.requestId, m.a, m.b, m.tokens);
  }

  private async match(
    requestId: string,
    refA: FeatureDictionaryRef,
    refB: FeatureDictionaryRef,
    tokens: number,
  ): Promise<void> {
    const fail = (message: string) => this.deps.post({ type: "match-error", requestId, message });
    if (this.running) return fail("a matching is already running; cancel it first");
    const busy = this.deps.busy();
    if (busy) return fail(busy);
    const controller = new AbortController();
    const { signal } = controller;
    this.running = { requestId, controller };
    let lastReport = -Infinity;
    try {
      const started = performance.now();
      const [device, corpus, model, a, b] = await Promise.all([
        this.deps.device(),
        this.deps.corpus(),
        this.deps.model(),
        this.deps.dictionary(refA),
        this.deps.dictionary(refB),
      ]);
      for (const d of [a, b]) {
        const mismatch = dictionaryMismatch(d.spec, model.gpu.config, model.name);
        if (mismatch) throw new Error(`${d.label} cannot run on this model: ${mismatch}`);
      }
      const windows = heldOutWindows(corpus, model, [a.spec, b.spec], tokens);
      this.deps.post({
        type: "match-progress",
        requestId,
        done: 0,
        total: windows.count * windows.seqLen,
        label: "Decoder cosines",
      });
      const matches = await matchFeatures(device, this.deps.shaders, model.gpu, a, b, windows, {
        seed: SEED,
        excludeTokens: GPT2_SPECIAL_TOKENS,
        signal,
        onProgress: (done, total) => {
          const now = performance.now();
          if (now - lastReport < REPORT_EVERY_MS && done < total) return;
          lastReport = now;
          this.deps.post({
            type: "match-progress",
            requestId,
            done,
            total,
            label: "Correlating activations",
          });
        },
      });
      signal.throwIfAborted();
      const result = {
        ...matches,
        labelA: a.label,
        labelB: b.label,
        seconds: (performance.now() - started) / 1000,
      };
      const transfer: Transferable[] = [];
      for (const c of [result.cosine, result.correlation]) {
        if (c) transfer.push(c.index.buffer, c.value.buffer, c.baseline.buffer);
      }
      this.deps.post({ type: "match-ready", requestId, result }, transfer);
    } catch (err) {
      if (!signal.aborted) fail(messageOf(err));
    } finally {
      if (this.running?.requestId === requestId) this.running = undefined;
    }
  }
}

/**
 * Try a prompt: tokenize a text, run the model in use once up to the deepest input hook of the
 * chosen dictionaries, encode each dictionary there (GpuDictionaryApply), read the latents back
 * and keep each token's strongest features. The dictionaries' encoders stay built between
 * prompts (their pipelines and weights), so a second prompt costs one forward pass.
 */
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { GpuDictionaryApply } from "../engine/eval/gpuDictionaryApply.ts";
import { foldForDashboards } from "../engine/features/dashboardFold.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import type { GpuGpt2, HookHandler } from "../engine/model/gpuGpt2.ts";
import { parseHookName } from "../engine/model/hooks.ts";
import { LinearKernels } from "../engine/model/linearKernels.ts";
import { decodeTokens, encodeText, GPT2_EOT } from "../engine/text/tokenizer.ts";
import type { FeatureDictionaryRef, PromptResult } from "./protocol.ts";
import { runContextSize } from "./streamRun.ts";

/** Features kept per token and dictionary. */
export const PROMPT_TOP = 5;
/** Dictionaries one prompt may compare. */
export const PROMPT_MAX_DICTIONARIES = 2;

export interface PromptProbeDeps {
  device: () => Promise<GPUDevice>;
  shaders: ShaderLibrary;
  model: () => Promise<{ gpu: GpuGpt2; name: string; builtin: boolean }>;
  dictionary: (
    ref: FeatureDictionaryRef,
  ) => Promise<{ spec: DictionarySpec; params: DictionaryParams; label: string }>;
  /** Why the model cannot be used for this now (a run in progress), or undefined. */
  busy: () => string | undefined;
}

interface Built {
  device: GPUDevice;
  spec: DictionarySpec;
  params: DictionaryParams;
  apply: GpuDictionaryApply;
  /** TopK: each latent times its decoder norm after the selection (dashboardFold.ts). */
  latentScale?: Float32Array;
}

/** The encoder of a dictionary as the dashboards read it: decoder norms folded in. */
interface Encoder {
  apply: GpuDictionaryApply;
  latentScale?: Float32Array;
}

/** Latents [rows, dSae] as the dashboards define them: scaled after a TopK's selection. */
async function readFolded(e: Encoder, rows: number): Promise<Float32Array> {
  const latents = await e.apply.readLatents(rows);
  const scale = e.latentScale;
  if (scale) for (let i = 0; i < latents.length; i++) latents[i]! *= scale[i % scale.length]!;
  return latents;
}

const refKey = (r: FeatureDictionaryRef) =>
  r.kind === "run" ? `run:${r.runId}:${r.dictionaryId}` : `loaded:${r.loadId}`;

function sameParams(a: DictionaryParams, b: DictionaryParams): boolean {
  if (a === b) return true;
  const keys = ["wEnc", "bEnc", "wDec", "bDec", "threshold", "wSkip"] as const;
  return keys.every((k) => {
    const x = a[k];
    const y = b[k];
    if (!x || !y) return x === y;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  });
}

/** The k largest positive values of row r of a [rows, n] matrix, strongest first. */
export function topOfRow(
  values: Float32Array,
  n: number,
  r: number,
  k: number,
): [number, number][] {
  const top: [number, number][] = [];
  const base = r * n;
  for (let f = 0; f < n; f++) {
    const v = values[base + f]!;
    if (!(v > 0)) continue;
    if (top.length === k && v <= top[k - 1]![1]) continue;
    let i = top.length < k ? top.length : k - 1;
    if (top.length < k) top.push([f, v]);
    while (i > 0 && top[i - 1]![1] < v) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = [f, v];
  }
  return top;
}

export class PromptProbe {
  /** Encoders built for recent dictionaries, by reference. */
  private readonly built = new Map<string, Built>();
  private linear: { device: GPUDevice; kernels: LinearKernels } | undefined;
  /** Prompts run one after another (they share the model's token buffer). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PromptProbeDeps) {}

  run(text: string, refs: FeatureDictionaryRef[]): Promise<Omit<PromptResult, "requestId">> {
    const next = this.queue.then(() => this.runNow(text, refs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * One feature's activation at every position of a window of token ids as the dashboards read
   * it (BOS already in it when they prepend one): one forward pass to the dictionary's hook.
   */
  windowActivations(
    tokens: number[],
    ref: FeatureDictionaryRef,
    feature: number,
  ): Promise<Float32Array<ArrayBuffer>> {
    const next = this.queue.then(() => this.windowNow(tokens, ref, feature));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async windowNow(
    tokens: number[],
    ref: FeatureDictionaryRef,
    feature: number,
  ): Promise<Float32Array<ArrayBuffer>> {
    const busy = this.deps.busy();
    if (busy) throw new Error(busy);
    const [device, model, d] = await Promise.all([
      this.deps.device(),
      this.deps.model(),
      this.deps.dictionary(ref),
    ]);
    const config = model.gpu.config;
    const mismatch = dictionaryMismatch(d.spec, config, model.name);
    if (mismatch) throw new Error(`${d.label} cannot run on this model: ${mismatch}`);
    if (!Number.isInteger(feature) || feature < 0 || feature >= d.spec.dSae) {
      throw new RangeError(`feature ${feature} is not one of ${d.label}'s ${d.spec.dSae}`);
    }
    const seqLen = tokens.length;
    const most = Math.min(runContextSize(config), model.gpu.maxRows);
    if (seqLen === 0 || seqLen > most) {
      throw new RangeError(`a window of ${seqLen} tokens; it must hold 1 to ${most}`);
    }
    const folded = this.encoder(ref, device, d.spec, d.params);
    const apply = folded.apply;
    model.gpu.setTokens(tokens);
    const encoder = device.createCommandEncoder();
    model.gpu.encodeForward(encoder, {
      nSeq: 1,
      seqLen,
      lastLayer: parseHookName(d.spec.hookName, config.nLayer).layer,
      handlers: [
        {
          hook: d.spec.hookName,
          run: (enc, site) => apply.encodeApply(enc, site.buffer, site.rows),
        },
      ],
    });
    device.queue.submit([encoder.finish()]);
    const latents = await readFolded(folded, seqLen);
    return Float32Array.from({ length: seqLen }, (_, r) => latents[r * d.spec.dSae + feature]!);
  }

  private async runNow(
    text: string,
    refs: FeatureDictionaryRef[],
  ): Promise<Omit<PromptResult, "requestId">> {
    const started = performance.now();
    if (refs.length === 0) throw new Error("choose a dictionary to read the prompt with");
    if (refs.length > PROMPT_MAX_DICTIONARIES) {
      throw new Error(`at most ${PROMPT_MAX_DICTIONARIES} dictionaries at once`);
    }
    const busy = this.deps.busy();
    if (busy) throw new Error(busy);
    const [device, model, ...dicts] = await Promise.all([
      this.deps.device(),
      this.deps.model(),
      ...refs.map((r) => this.deps.dictionary(r)),
    ]);
    const config = model.gpu.config;
    for (const d of dicts) {
      const mismatch = dictionaryMismatch(d.spec, config, model.name);
      if (mismatch) throw new Error(`${d.label} cannot run on this model: ${mismatch}`);
    }
    // The built-in model reads text as it was trained on it (no BOS), as the dashboards do; a
    // loaded checkpoint as its dictionaries say, else with BOS as SAELens does.
    const prependBos = dicts.some((d) => d.spec.prependBos ?? !model.builtin);
    const ids = encodeText(text);
    if (prependBos) ids.unshift(GPT2_EOT);
    const seqLen = Math.min(ids.length, runContextSize(config), model.gpu.maxRows);
    if (seqLen === 0) throw new Error("the prompt has no tokens; type some text");
    const tokens = ids.slice(0, seqLen);

    const encoders = dicts.map((d, i) => this.encoder(refs[i]!, device, d.spec, d.params));
    const handlers: HookHandler[] = encoders.map(({ apply }) => ({
      hook: apply.spec.hookName,
      run: (encoder, site) => apply.encodeApply(encoder, site.buffer, site.rows),
    }));
    const lastLayer = Math.max(
      ...dicts.map((d) => parseHookName(d.spec.hookName, config.nLayer).layer),
    );
    model.gpu.setTokens(tokens);
    const encoder = device.createCommandEncoder();
    model.gpu.encodeForward(encoder, { nSeq: 1, seqLen, lastLayer, handlers });
    device.queue.submit([encoder.finish()]);
    const latents = await Promise.all(encoders.map((e) => readFolded(e, seqLen)));

    const perDictionary = dicts.map((d, i) => {
      const values = latents[i]!;
      const top: [number, number][][] = [];
      for (let r = 0; r < seqLen; r++) top.push(topOfRow(values, d.spec.dSae, r, PROMPT_TOP));
      return {
        label: d.label,
        kind: d.spec.kind,
        dSae: d.spec.dSae,
        hookName: d.spec.hookName,
        top,
      };
    });
    return {
      tokens: tokens.map((t) => decodeTokens([t])),
      truncated: ids.length > seqLen,
      prependBos,
      perDictionary,
      ms: performance.now() - started,
    };
  }

  private encoder(
    ref: FeatureDictionaryRef,
    device: GPUDevice,
    spec: DictionarySpec,
    params: DictionaryParams,
  ): Encoder {
    const key = refKey(ref);
    const old = this.built.get(key);
    if (
      old &&
      old.device === device &&
      JSON.stringify(old.spec) === JSON.stringify(spec) &&
      sameParams(old.params, params)
    ) {
      // Most recently used last.
      this.built.delete(key);
      this.built.set(key, old);
      return old;
    }
    if (old) {
      old.apply.destroy();
      this.built.delete(key);
    }
    if (this.linear?.device !== device) {
      this.linear = { device, kernels: new LinearKernels(device, this.deps.shaders) };
    }
    // The same numbers as the feature pages and their windows: decoder norms folded first.
    const folded = foldForDashboards(spec, params);
    const apply = new GpuDictionaryApply(device, this.linear.kernels, spec, folded.params, 128);
    const built = { device, spec, params, apply, latentScale: folded.latentScale };
    this.built.set(key, built);
    while (this.built.size > PROMPT_MAX_DICTIONARIES * 2) {
      const [first, b] = this.built.entries().next().value!;
      b.apply.destroy();
      this.built.delete(first);
    }
    return built;
  }
}

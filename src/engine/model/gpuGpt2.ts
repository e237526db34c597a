import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import type { Gpt2Weights, LayerNormAffine } from "./gpt2Weights.ts";
import { HOOK_SITES, hookName, type HookSite } from "./hooks.ts";
import { activationCode, ACT_NONE, LinearKernels } from "./linearKernels.ts";
import { uploadWeights, type GpuGpt2Weights } from "./gpuWeights.ts";

/**
 * Runs at a hook point during a forward pass. It may read the activations (capture) or overwrite
 * them in place (splice, ablate); later layers see what it leaves. `rows` rows of d_model floats.
 */
export interface HookHandler {
  hook: string;
  run(encoder: GPUCommandEncoder, site: HookActivations): void;
}

/** A hook's activations during a forward pass: `rows` rows of d_model floats from offset 0. */
export interface HookActivations {
  buffer: GPUBuffer;
  rows: number;
  bytes: number;
}

export interface ForwardOptions {
  nSeq: number;
  seqLen: number;
  handlers?: readonly HookHandler[];
  /** Skip the blocks after this one (an activation stream needs no logits). Default: all. */
  lastLayer?: number;
  /** Where to write logits [rows, vocabPadded]; omitted: no final LayerNorm or unembedding. */
  logits?: GPUBuffer;
}

interface Step {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: (rows: number, nSeq: number, seqLen: number) => [number, number];
}

/** Copies a hook's activations into `target` at `byteOffset` (an activation store, a test). */
export function captureHook(hook: string, target: GPUBuffer, byteOffset = 0): HookHandler {
  return {
    hook,
    run(encoder, site) {
      encoder.copyBufferToBuffer(site.buffer, 0, target, byteOffset, site.bytes);
    },
  };
}

/** Zero-ablates a hook's activations. */
export function zeroHook(hook: string): HookHandler {
  return {
    hook,
    run(encoder, site) {
      encoder.clearBuffer(site.buffer, 0, site.bytes);
    },
  };
}

/**
 * A GPT-2 on one GPU device: weights uploaded once, activation buffers for up to `maxRows`
 * tokens, and the forward pass encoded into the caller's command encoder with hooks. It takes
 * host weights (and uploads them) or weights already on this device (loadGpt2ToGpu); either way
 * it owns the weight buffers from then on, and destroy() frees them.
 */
export class GpuGpt2 {
  readonly config: Gpt2Config;
  readonly processed: boolean;
  readonly vocabPadded: number;
  /** ln_2's gain and bias as the checkpoint holds them (see mlpInputSite.ts). */
  readonly ln2Unprocessed: readonly LayerNormAffine[];
  private readonly weights: GpuGpt2Weights;
  private readonly run: GPUBuffer;
  private readonly tokens: GPUBuffer;
  private readonly lnFinal: GPUBuffer;
  /** Per block: the steps that run before each hook, and the buffer each hook sees. */
  private readonly layers: {
    stepsBefore: Record<HookSite, Step[]>;
    buffers: Record<HookSite, GPUBuffer>;
  }[] = [];
  private readonly finalSteps: Step[];
  private readonly linear: LinearKernels;
  private readonly logitsPipeline: GPUComputePipeline;
  private readonly logitsBinds = new WeakMap<GPUBuffer, GPUBindGroup>();
  private readonly all: GPUBuffer[] = [];

  constructor(
    readonly device: GPUDevice,
    shaders: ShaderLibrary,
    weights: Gpt2Weights | GpuGpt2Weights,
    readonly maxRows: number,
    /** Longest sequence a forward pass will get (sizes the attention pattern). */
    readonly maxSeqLen = weights.config.nCtx,
  ) {
    const cfg = weights.config;
    this.config = cfg;
    this.processed = weights.processed;
    const { dModel: d, nHead: H, dHead: DH, dMlp } = cfg;
    this.weights = onHost(weights) ? uploadWeights(device, weights) : weights;
    this.vocabPadded = this.weights.vocabPadded;
    this.ln2Unprocessed = this.weights.ln2Unprocessed;
    this.run = createBuffer(
      device,
      "gpt2 run",
      16,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.tokens = createBuffer(device, "gpt2 tokens", maxRows * 4);
    const act = (name: string, width: number) => {
      const b = createBuffer(device, `gpt2 ${name}`, maxRows * width * 4);
      this.all.push(b);
      return b;
    };
    // The residual stream ping-pongs between two buffers: block l reads one, writes the other.
    const resid = [act("resid A", d), act("resid B", d)] as const;
    const a = {
      ln1: act("ln1", d),
      qkv: act("qkv", 3 * d),
      z: act("z", d),
      attnOut: act("attn_out", d),
      residMid: act("resid_mid", d),
      ln2: act("ln2", d),
      hidden: act("mlp hidden", dMlp),
      mlpOut: act("mlp_out", d),
    };
    this.lnFinal = act("ln_final", d);
    this.all.push(this.run, this.tokens);
    const patternBytes = maxRows * Math.min(maxSeqLen, cfg.nCtx) * H * 4;
    const pattern = createBuffer(device, "gpt2 attention pattern", patternBytes);
    this.all.push(pattern);

    const k = (name: string, constants: Record<string, number>) =>
      createKernel(device, shaders, name, { prelude: "gpt2_common", constants });
    const embed = k("gpt2_embed", { D: d });
    const ln = k("gpt2_layernorm", { D: d, EPS: cfg.lnEps });
    const add = k("gpt2_add", { D: d });
    const scores = k("gpt2_attn_scores", { D: d, H, DH });
    const mix = k("gpt2_attn_mix", { D: d, H, DH });
    const linear = new LinearKernels(device, shaders);
    this.linear = linear;
    const perEntry = (width: number) => (rows: number) => grid1d(rows * width, 64);
    const perRow = (rows: number) => grid1d(rows, 64);
    const step = (
      pipeline: GPUComputePipeline,
      resources: GPUBuffer[],
      grid: Step["grid"],
    ): Step => ({ pipeline, bind: bindBuffers(device, pipeline, [this.run, ...resources]), grid });
    const lin = (
      x: GPUBuffer,
      w: GPUBuffer,
      b: GPUBuffer,
      out: GPUBuffer,
      K: number,
      N: number,
      act: number,
    ): Step => {
      const pipeline = linear.pipeline(K, N, act);
      return step(pipeline, [x, w, b, out], (rows) => linear.grid(N, rows));
    };

    const embedStep = step(
      embed,
      [this.tokens, this.weights.wte, this.weights.wpe, resid[0]],
      perEntry(d),
    );
    this.weights.layers.forEach((w, l) => {
      const [pre, post] = l % 2 === 0 ? resid : [resid[1], resid[0]];
      this.layers.push({
        stepsBefore: {
          hook_resid_pre: l === 0 ? [embedStep] : [],
          hook_attn_out: [
            step(ln, [pre, w.ln1W, w.ln1B, a.ln1], perRow),
            lin(a.ln1, w.wQkv, w.bQkv, a.qkv, d, 3 * d, ACT_NONE),
            step(scores, [a.qkv, pattern], (_r, nSeq, T) => grid1d(nSeq * H * T, 64)),
            step(mix, [a.qkv, pattern, a.z], perEntry(d / 4)),
            lin(a.z, w.wO, w.bO, a.attnOut, d, d, ACT_NONE),
          ],
          hook_resid_mid: [step(add, [pre, a.attnOut, a.residMid], perEntry(d))],
          "ln2.hook_normalized": [step(ln, [a.residMid, w.ln2W, w.ln2B, a.ln2], perRow)],
          hook_mlp_out: [
            lin(a.ln2, w.wIn, w.bIn, a.hidden, d, dMlp, activationCode(cfg.activation)),
            lin(a.hidden, w.wOut, w.bOut, a.mlpOut, dMlp, d, ACT_NONE),
          ],
          hook_resid_post: [step(add, [a.residMid, a.mlpOut, post], perEntry(d))],
        },
        buffers: {
          hook_resid_pre: pre,
          hook_attn_out: a.attnOut,
          hook_resid_mid: a.residMid,
          "ln2.hook_normalized": a.ln2,
          hook_mlp_out: a.mlpOut,
          hook_resid_post: post,
        },
      });
    });
    const last = cfg.nLayer % 2 === 0 ? resid[0] : resid[1];
    this.finalSteps = [
      step(ln, [last, this.weights.lnFW, this.weights.lnFB, this.lnFinal], perRow),
    ];
    this.logitsPipeline = linear.pipeline(d, this.vocabPadded, ACT_NONE);
  }

  /** A buffer for logits [rows, vocabPadded] of up to maxRows rows. */
  createLogitsBuffer(rows = this.maxRows): GPUBuffer {
    return createBuffer(this.device, "gpt2 logits", rows * this.vocabPadded * 4);
  }

  /** Uploads nSeq * seqLen token ids (row-major) for the next forward pass. */
  setTokens(tokens: ArrayLike<number>): void {
    const V = this.config.vocabSize;
    const ids = new Uint32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as number;
      if (!Number.isInteger(t) || t < 0 || t >= V) {
        throw new RangeError(
          `token id ${t} at position ${i} is outside this model's vocabulary [0, ${V})`,
        );
      }
      ids[i] = t;
    }
    if (ids.length > this.maxRows) {
      throw new RangeError(
        `${ids.length} tokens do not fit this model's ${this.maxRows}-row buffers`,
      );
    }
    this.device.queue.writeBuffer(this.tokens, 0, ids);
  }

  /**
   * Encodes a forward pass over the tokens last set. Forward passes encoded before one submit
   * must share nSeq and seqLen (they share one uniform).
   */
  encodeForward(encoder: GPUCommandEncoder, options: ForwardOptions): void {
    const { nSeq, seqLen } = options;
    const rows = nSeq * seqLen;
    const maxLen = Math.min(this.maxSeqLen, this.config.nCtx);
    if (!(seqLen >= 1 && seqLen <= maxLen)) {
      throw new RangeError(`sequence length ${seqLen} is outside [1, ${maxLen}]`);
    }
    if (!(nSeq >= 1) || rows > this.maxRows) {
      throw new RangeError(
        `${nSeq} x ${seqLen} tokens do not fit this model's ${this.maxRows}-row buffers`,
      );
    }
    this.device.queue.writeBuffer(this.run, 0, new Uint32Array([rows, seqLen, nSeq, 0]));
    const lastLayer = options.lastLayer ?? this.config.nLayer - 1;
    const handlers = options.handlers ?? [];
    let pass: GPUComputePassEncoder | undefined;
    const dispatch = (steps: Step[]) => {
      for (const s of steps) {
        pass ??= encoder.beginComputePass();
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bind);
        const [x, y] = s.grid(rows, nSeq, seqLen);
        pass.dispatchWorkgroups(x, y);
      }
    };
    for (let l = 0; l <= lastLayer; l++) {
      const layer = this.layers[l]!;
      for (const site of HOOK_SITES) {
        dispatch(layer.stepsBefore[site]);
        const name = hookName(l, site);
        for (const h of handlers) {
          if (h.hook !== name) continue;
          pass?.end();
          pass = undefined;
          const buffer = layer.buffers[site];
          h.run(encoder, { buffer, rows, bytes: rows * this.config.dModel * 4 });
        }
      }
    }
    if (options.logits) {
      if (lastLayer !== this.config.nLayer - 1) throw new Error("logits need every layer");
      dispatch(this.finalSteps);
      let bind = this.logitsBinds.get(options.logits);
      if (!bind) {
        bind = bindBuffers(this.device, this.logitsPipeline, [
          this.run,
          this.lnFinal,
          this.weights.wU,
          this.weights.bU,
          options.logits,
        ]);
        this.logitsBinds.set(options.logits, bind);
      }
      dispatch([
        { pipeline: this.logitsPipeline, bind, grid: (r) => this.linear.grid(this.vocabPadded, r) },
      ]);
    }
    pass?.end();
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
    this.weights.destroy();
  }
}

function onHost(weights: Gpt2Weights | GpuGpt2Weights): weights is Gpt2Weights {
  return weights.wte instanceof Float32Array;
}

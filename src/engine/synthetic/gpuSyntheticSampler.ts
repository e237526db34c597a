/**
 * Samples of a synthetic model made on the GPU, straight into buffers a trainer reads: per
 * encoded step, acts [batch, N] (the true activations, for the ground-truth metrics),
 * x [batch, hidden_dim] and, for the transcoder variant, y [batch, d_out]. Nothing is read back.
 * Kernels: shaders/synthetic_fire.wgsl, synthetic_hierarchy.wgsl, synthetic_decode.wgsl;
 * reference: sampleReference.ts (the same counter-based draws).
 *
 * Sparse: each invocation of the firing and hierarchy kernels loops over one lane of a sample's
 * features and lists the active ones, and x is summed from those lists alone. On a software
 * adapter (SwiftShader) an invocation costs far more than a loop iteration: with one invocation
 * per (sample, feature) small-2k drew 480-560 samples per CPU-second, this draws 825-870
 * (bench/syntheticSamplerSpeed.ts, batch 1024). Of what is left, ε·F (rank 25 for every sample
 * and feature) is about 40%.
 */
import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { FeatureVectors, SyntheticModel } from "./syntheticModel.ts";

const WG = 64;
/** The most features one lane of synthetic_fire.wgsl loops over (CHUNK in the shaders). */
const CHUNK = 64;
const MAX_RANK = 256;
const MAX_CHAIN = 32;
const MAX_WORKGROUPS = 65535;
/**
 * Step parameters live in a ring of uniform buffers written with queue.writeBuffer, so this
 * many steps may be encoded before one submit.
 */
export const STEPS_PER_SUBMIT = 16;

export interface SyntheticBatchBuffers {
  /** [batch, num_features] f32: the true activations a. */
  acts: GPUBuffer;
  /** [batch, hidden_dim] f32: x = Σ a_i u_i + b. */
  x: GPUBuffer;
  /** [batch, d_out] f32 for the transcoder variant: y = Σ a_i v_i + b_out. */
  y: GPUBuffer | null;
}

export interface GpuSamplerOptions {
  batch: number;
  /** Keys the sample stream (default: the model's seed); the step counter keys each batch. */
  streamSeed?: number;
}

interface Pipelines {
  copulaShared: GPUComputePipeline;
  fire: GPUComputePipeline;
  hierarchy: GPUComputePipeline | null;
  decode: GPUComputePipeline;
}

interface Decoder {
  bind: GPUBindGroup;
  dim: number;
}

export class GpuSyntheticSampler {
  private readonly owned: GPUBuffer[] = [];
  private readonly stepParams: GPUBuffer[] = [];
  private readonly fireBinds: GPUBindGroup[] = [];
  private readonly hierarchyBinds: GPUBindGroup[] = [];
  private readonly decoders: Decoder[] = [];
  private ring = 0;
  /** Lanes per sample: ⌈N / CHUNK⌉, each looping over features c, c + lanes, ... */
  private readonly lanes: number;
  readonly buffers: SyntheticBatchBuffers;

  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: Pipelines,
    private readonly model: SyntheticModel,
    readonly batch: number,
    private readonly streamSeed: number,
  ) {
    const n = model.numFeatures;
    this.lanes = Math.ceil(n / CHUNK);
    const list = this.scratch("synthetic active features", batch * this.lanes * CHUNK);
    const counts = this.scratch("synthetic active counts", batch * this.lanes);
    const features = this.upload("synthetic features", featureTable(model));
    const rank4 = Math.ceil((model.correlation?.rank ?? 1) / 4);
    const factor = this.upload("synthetic correlation factor", paddedFactor(model, rank4));
    const eps = this.scratch("synthetic copula ε", batch * rank4 * 4);
    const acts = this.scratch("synthetic acts", batch * n);
    const raw = pipelines.hierarchy ? this.scratch("synthetic raw acts", batch * n) : acts;
    const tree = model.hierarchy ? treeTables(model) : null;
    const treeBuffer = tree && this.upload("synthetic tree", tree.tree);
    const members = tree && this.upload("synthetic exclusion groups", tree.members);
    for (let s = 0; s < STEPS_PER_SUBMIT; s++) {
      const params = createBuffer(
        device,
        "synthetic step",
        32,
        GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      );
      this.owned.push(params);
      this.stepParams.push(params);
      this.fireBinds.push(
        bindBuffers(device, pipelines.fire, [params, features, factor, raw, eps, list, counts]),
      );
      if (pipelines.hierarchy && treeBuffer && members) {
        this.hierarchyBinds.push(
          bindBuffers(device, pipelines.hierarchy, [
            params,
            features,
            treeBuffer,
            members,
            raw,
            acts,
            list,
            counts,
          ]),
        );
      }
    }
    const x = this.addDecoder(acts, model.input, list, counts);
    const y = model.output ? this.addDecoder(acts, model.output, list, counts) : null;
    this.buffers = { acts, x, y };
  }

  static create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    model: SyntheticModel,
    options: GpuSamplerOptions,
  ): GpuSyntheticSampler {
    const { batch } = options;
    if (!(Number.isSafeInteger(batch) && batch >= 1 && batch <= MAX_WORKGROUPS)) {
      throw new Error(
        `synthetic sampler: batch ${batch} must be an integer in 1..${MAX_WORKGROUPS}`,
      );
    }
    if (model.correlation && model.correlation.rank > MAX_RANK) {
      throw new Error(
        `synthetic sampler: correlation rank ${model.correlation.rank} is above the ${MAX_RANK} the GPU sampler takes`,
      );
    }
    if (model.hierarchy && model.hierarchy.maxDepth >= MAX_CHAIN) {
      throw new Error(
        `synthetic sampler: hierarchy depth ${model.hierarchy.maxDepth} is above the ${MAX_CHAIN - 1} the GPU sampler takes`,
      );
    }
    const widest = Math.max(model.numFeatures, model.input.dim, model.output?.dim ?? 0);
    const largest = batch * widest * 4;
    if (largest > device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `synthetic sampler: a [${batch}, ${widest}] batch needs ${largest} bytes, above this device's ${device.limits.maxStorageBufferBindingSize}; use a smaller batch`,
      );
    }
    const withRandom = { prelude: "synthetic_random" };
    const pipelines: Pipelines = {
      copulaShared: createKernel(device, shaders, "synthetic_fire", {
        ...withRandom,
        entryPoint: "copula_shared",
      }),
      fire: createKernel(device, shaders, "synthetic_fire", withRandom),
      hierarchy: model.hierarchy
        ? createKernel(device, shaders, "synthetic_hierarchy", withRandom)
        : null,
      decode: createKernel(device, shaders, "synthetic_decode"),
    };
    const streamSeed = options.streamSeed ?? model.config.seed ?? 0;
    return new GpuSyntheticSampler(device, pipelines, model, batch, streamSeed);
  }

  /** Encodes batch `step` of the stream; the returned buffers are rewritten by the next call. */
  encode(encoder: GPUCommandEncoder, step: number): SyntheticBatchBuffers {
    if (!(Number.isSafeInteger(step) && step >= 0 && step < 2 ** 32)) {
      throw new Error(`synthetic sampler: step ${step} must be an integer in 0..2^32-1`);
    }
    const slot = this.ring;
    this.ring = (this.ring + 1) % STEPS_PER_SUBMIT;
    const n = this.model.numFeatures;
    const corr = this.model.correlation;
    const params = [this.batch, n, corr?.rank ?? 0, step, this.streamSeed >>> 0, corr ? 1 : 0];
    this.device.queue.writeBuffer(
      this.stepParams[slot]!,
      0,
      Uint32Array.of(...params, this.lanes, 0),
    );
    const [lanesX, lanesY] = grid1d(this.batch * this.lanes, WG);
    const pass = encoder.beginComputePass({ label: "synthetic sample" });
    pass.setBindGroup(0, this.fireBinds[slot]!);
    if (corr) {
      pass.setPipeline(this.pipelines.copulaShared);
      pass.dispatchWorkgroups(Math.ceil(corr.rank / 4 / WG), this.batch);
    }
    pass.setPipeline(this.pipelines.fire);
    pass.dispatchWorkgroups(lanesX, lanesY);
    if (this.pipelines.hierarchy) {
      pass.setPipeline(this.pipelines.hierarchy);
      pass.setBindGroup(0, this.hierarchyBinds[slot]!);
      pass.dispatchWorkgroups(lanesX, lanesY);
    }
    pass.setPipeline(this.pipelines.decode);
    for (const d of this.decoders) {
      pass.setBindGroup(0, d.bind);
      pass.dispatchWorkgroups(Math.ceil(d.dim / WG), this.batch);
    }
    pass.end();
    return this.buffers;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
  }

  /** out = acts·vectors + bias through the shared list of active features. */
  private addDecoder(
    acts: GPUBuffer,
    fv: FeatureVectors,
    list: GPUBuffer,
    counts: GPUBuffer,
  ): GPUBuffer {
    const n = this.model.numFeatures;
    const params = this.upload(
      "synthetic decode shape",
      Uint32Array.of(this.batch, n, fv.dim, this.lanes),
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    const vectors = this.upload("synthetic feature vectors", fv.vectors);
    const bias = this.upload("synthetic bias", fv.bias);
    const out = this.scratch("synthetic decoded", this.batch * fv.dim);
    const buffers = [params, acts, vectors, bias, out, list, counts];
    this.decoders.push({
      bind: bindBuffers(this.device, this.pipelines.decode, buffers),
      dim: fv.dim,
    });
    return out;
  }

  private upload(
    label: string,
    data: Float32Array<ArrayBuffer> | Uint32Array<ArrayBuffer>,
    usage: number = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  ): GPUBuffer {
    const buffer = createBuffer(this.device, label, data.byteLength, usage);
    this.device.queue.writeBuffer(buffer, 0, data);
    this.owned.push(buffer);
    return buffer;
  }

  private scratch(label: string, floats: number): GPUBuffer {
    const buffer = createBuffer(this.device, label, floats * 4);
    this.owned.push(buffer);
    return buffer;
  }
}

/** Per feature (t_i or p_i, mean_i, std_i, √d_i), as synthetic_fire.wgsl reads it. */
function featureTable(model: SyntheticModel): Float32Array<ArrayBuffer> {
  const n = model.numFeatures;
  const corr = model.correlation;
  const table = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    table[i * 4] = corr ? model.thresholds[i]! : model.firingProbabilities[i]!;
    table[i * 4 + 1] = model.meanMagnitudes[i]!;
    table[i * 4 + 2] = model.stdMagnitudes[i]!;
    table[i * 4 + 3] = corr ? Math.sqrt(corr.diag[i]!) : 0;
  }
  return table;
}

/** F [N, rank] as [N, 4·rank4] with zeros after each row's rank entries (vec4 rows). */
function paddedFactor(model: SyntheticModel, rank4: number): Float32Array<ArrayBuffer> {
  const corr = model.correlation;
  const out = new Float32Array(model.numFeatures * rank4 * 4);
  if (!corr) return out;
  for (let i = 0; i < model.numFeatures; i++) {
    for (let r = 0; r < corr.rank; r++) out[i * rank4 * 4 + r] = corr.factor[i * corr.rank + r]!;
  }
  return out;
}

/** Per feature (parent + 1, scaled, first sibling, sibling count) and the groups' members. */
function treeTables(model: SyntheticModel): {
  tree: Uint32Array<ArrayBuffer>;
  members: Uint32Array<ArrayBuffer>;
} {
  const h = model.hierarchy!;
  const n = model.numFeatures;
  const starts: number[] = [];
  const members: number[] = [];
  for (const g of h.meGroups) {
    starts.push(members.length);
    members.push(...g.children);
  }
  const tree = new Uint32Array(n * 4);
  for (let f = 0; f < n; f++) {
    tree[f * 4] = h.parent[f]! + 1;
    tree[f * 4 + 1] = h.scaledByParent[f]!;
    const g = h.meGroup[f]!;
    if (g >= 0) {
      tree[f * 4 + 2] = starts[g]!;
      tree[f * 4 + 3] = h.meGroups[g]!.children.length;
    }
  }
  return { tree, members: members.length > 0 ? Uint32Array.from(members) : new Uint32Array(4) };
}

// out[b, :] = Σ_i acts[b, i]·vectors[i, :] + bias over the active features only: one invocation
// per (sample, output dimension) sums the rows that synthetic_fire.wgsl (and, with a hierarchy,
// synthetic_hierarchy.wgsl) listed per lane.
// Reference: src/engine/synthetic/sampleReference.ts (decode).

struct Params {
  batch: u32,
  num_features: u32,
  dim: u32,
  chunks: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> acts: array<f32>;
@group(0) @binding(2) var<storage, read> vectors: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// [batch, chunks, CHUNK]: each lane's active features.
@group(0) @binding(5) var<storage, read> active_list: array<u32>;
// [batch, chunks].
@group(0) @binding(6) var<storage, read> active_count: array<u32>;

const CHUNK: u32 = 64u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  let b = gid.y;
  if (d >= params.dim || b >= params.batch) {
    return;
  }
  let n = params.num_features;
  let dim = params.dim;
  var acc = bias[d];
  for (var chunk = 0u; chunk < params.chunks; chunk++) {
    let lane = b * params.chunks + chunk;
    let count = active_count[lane];
    for (var k = 0u; k < count; k++) {
      let i = active_list[lane * CHUNK + k];
      acc += acts[b * n + i] * vectors[i * dim + d];
    }
  }
  out[b * dim + d] = acc;
}

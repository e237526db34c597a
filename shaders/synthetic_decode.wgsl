// out[b, :] = Σ_i acts[b, i]·vectors[i, :] + bias, in two passes without workgroup barriers:
// `compact` lists each CHUNK of a sample's features that are active, in index order;
// `main`, one invocation per (sample, output dimension), sums the listed rows chunk by chunk.
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
// [batch, num_features]: chunk c's active features at [c·CHUNK, c·CHUNK + count).
@group(0) @binding(5) var<storage, read_write> active_list: array<u32>;
// [batch, chunks].
@group(0) @binding(6) var<storage, read_write> active_count: array<u32>;

const CHUNK: u32 = 64u;

@compute @workgroup_size(64)
fn compact(@builtin(global_invocation_id) gid: vec3<u32>) {
  let chunk = gid.x;
  let b = gid.y;
  if (chunk >= params.chunks || b >= params.batch) {
    return;
  }
  let n = params.num_features;
  let start = chunk * CHUNK;
  let end = min(start + CHUNK, n);
  var count = 0u;
  for (var i = start; i < end; i++) {
    if (acts[b * n + i] > 0.0) {
      active_list[b * n + start + count] = i;
      count++;
    }
  }
  active_count[b * params.chunks + chunk] = count;
}

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
    let count = active_count[b * params.chunks + chunk];
    let base = b * n + chunk * CHUNK;
    for (var k = 0u; k < count; k++) {
      let i = active_list[base + k];
      acc += acts[b * n + i] * vectors[i * dim + d];
    }
  }
  out[b * dim + d] = acc;
}

// Raw activations of a synthetic model (prelude: synthetic_random). `copula_shared` draws
// ε [batch, rank] first (no workgroup barrier: software adapters run those slowly); `main`
// then runs one invocation per (sample b, feature i):
//   fire = ε·F_i + η·√d_i > t_i  (low-rank Gaussian copula), or u < p_i without a correlation;
//   raw[b, i] = fire ? max(0, mean_i + std_i·n) : 0.
// Reference: src/engine/synthetic/sampleReference.ts.

struct Params {
  batch: u32,
  num_features: u32,
  rank: u32,
  step: u32,
  seed: u32,
  correlated: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Per feature: (t_i if correlated else p_i, mean_i, std_i, √d_i).
@group(0) @binding(1) var<storage, read> features: array<vec4<f32>>;
// F [num_features, rank] (unused without a correlation).
@group(0) @binding(2) var<storage, read> factor: array<f32>;
@group(0) @binding(3) var<storage, read_write> raw: array<f32>;
// ε [batch, rank].
@group(0) @binding(4) var<storage, read_write> eps: array<f32>;

@compute @workgroup_size(64)
fn copula_shared(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  let b = gid.y;
  if (r >= params.rank || b >= params.batch) {
    return;
  }
  eps[b * params.rank + r] = normal_at(row_key(params.seed, params.step, STREAM_COPULA_SHARED, b), r);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b = gid.y;
  if (i >= params.num_features || b >= params.batch) {
    return;
  }
  let f = features[i];
  var fires: bool;
  if (params.correlated != 0u) {
    let own_key = row_key(params.seed, params.step, STREAM_COPULA_OWN, b);
    var z = normal_at(own_key, i) * f.w;
    let base = i * params.rank;
    let shared_base = b * params.rank;
    for (var r = 0u; r < params.rank; r++) {
      z += eps[shared_base + r] * factor[base + r];
    }
    fires = z > f.x;
  } else {
    fires = uniform_at(row_key(params.seed, params.step, STREAM_BERNOULLI, b), i) < f.x;
  }
  var value = 0.0;
  if (fires) {
    let magnitude_key = row_key(params.seed, params.step, STREAM_MAGNITUDE, b);
    value = max(0.0, f.y + f.z * normal_at(magnitude_key, i));
  }
  raw[b * params.num_features + i] = value;
}

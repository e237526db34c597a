// Raw activations of a synthetic model (prelude: synthetic_random). `copula_shared` draws
// ε [batch, rank] first (no workgroup barrier: software adapters run those slowly); `main`
// then runs one invocation per (sample b, lane c of `chunks`), which loops over the features
// i = c, c + chunks, c + 2·chunks, ... (neighbouring invocations read neighbouring features):
//   fire = ε·F_i + η·√d_i > t_i  (low-rank Gaussian copula), or u < p_i without a correlation;
//   raw[b, i] = fire ? max(0, mean_i + std_i·n) : 0;
// and lists the lane's fired features at active_list[(b·chunks + c)·CHUNK ..] (count in
// active_count; chunks = ⌈N / CHUNK⌉, so no lane has more than CHUNK features).
// Most features stay off, so η is drawn in two halves: its radius √(−2 ln u1) bounds |η|, and
// when even ε·F_i + radius·√d_i stays below t_i (with a margin far above float error) the
// angle u2 is never drawn. Decisions equal those of the full draw.
// A software adapter pays per invocation far more than per loop iteration, hence the loops.
// Reference: src/engine/synthetic/sampleReference.ts.

struct Params {
  batch: u32,
  num_features: u32,
  rank: u32,
  step: u32,
  seed: u32,
  correlated: u32,
  chunks: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Per feature: (t_i if correlated else p_i, mean_i, std_i, √d_i).
@group(0) @binding(1) var<storage, read> features: array<vec4<f32>>;
// F [num_features, ⌈rank/4⌉] as vec4s, zero-padded (unused without a correlation).
@group(0) @binding(2) var<storage, read> factor: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> raw: array<f32>;
// ε [batch, ⌈rank/4⌉] as vec4s, zero-padded.
@group(0) @binding(4) var<storage, read_write> eps: array<vec4<f32>>;
// [batch, chunks, CHUNK]: lane (b, c)'s fired features, in index order.
@group(0) @binding(5) var<storage, read_write> active_list: array<u32>;
// [batch, chunks].
@group(0) @binding(6) var<storage, read_write> active_count: array<u32>;

const WG: u32 = 64u;
const CHUNK: u32 = 64u;
// Above the float32 error of z (|z| is a few units): skipping the angle is then exact.
const SKIP_MARGIN: f32 = 1e-3;

@compute @workgroup_size(64)
fn copula_shared(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r4 = gid.x;
  let b = gid.y;
  let rank4 = (params.rank + 3u) / 4u;
  if (r4 >= rank4 || b >= params.batch) {
    return;
  }
  let key = row_key(params.seed, params.step, STREAM_COPULA_SHARED, b);
  var e = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    let r = r4 * 4u + j;
    if (r < params.rank) {
      e[j] = normal_at(key, r);
    }
  }
  eps[b * rank4 + r4] = e;
}

fn copula_fires(i: u32, b: u32, own_key: u32, f: vec4<f32>) -> bool {
  let rank4 = (params.rank + 3u) / 4u;
  let base = i * rank4;
  let shared_base = b * rank4;
  var low_rank = 0.0;
  for (var r = 0u; r < rank4; r++) {
    low_rank += dot(eps[shared_base + r], factor[base + r]);
  }
  let radius = sqrt(-2.0 * log_unit(draw_bits(own_key, i, 0u) >> 8u));
  if (low_rank + radius * f.w + SKIP_MARGIN < f.x) {
    return false;
  }
  let eta = radius * cos_turn(draw_bits(own_key, i, 1u) >> 8u);
  return eta * f.w + low_rank > f.x;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  let chunks = params.chunks;
  if (id >= params.batch * chunks) {
    return;
  }
  let b = id / chunks;
  let c = id % chunks;
  let n = params.num_features;
  let row = b * n;
  let list_base = id * CHUNK;
  let own_key = row_key(params.seed, params.step, STREAM_COPULA_OWN, b);
  let bernoulli_key = row_key(params.seed, params.step, STREAM_BERNOULLI, b);
  let magnitude_key = row_key(params.seed, params.step, STREAM_MAGNITUDE, b);
  var count = 0u;
  for (var i = c; i < n; i += chunks) {
    let f = features[i];
    var fires: bool;
    if (params.correlated != 0u) {
      fires = copula_fires(i, b, own_key, f);
    } else {
      fires = uniform_at(bernoulli_key, i) < f.x;
    }
    var value = 0.0;
    if (fires) {
      value = max(0.0, f.y + f.z * normal_at(magnitude_key, i));
    }
    raw[row + i] = value;
    if (value > 0.0) {
      active_list[list_base + count] = i;
      count++;
    }
  }
  active_count[id] = count;
}

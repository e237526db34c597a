// out[b, :] = Σ_i acts[b, i]·vectors[i, :] + bias: a workgroup per sample gathers its active
// features 256 at a time, in index order (a prefix sum), and adds their rows. Reference:
// src/engine/synthetic/sampleReference.ts (decode).

struct Params {
  batch: u32,
  num_features: u32,
  dim: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> acts: array<f32>;
@group(0) @binding(2) var<storage, read> vectors: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const WG: u32 = 256u;

var<workgroup> scan: array<u32, WG>;
var<workgroup> active_index: array<u32, WG>;
var<workgroup> active_value: array<f32, WG>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let t = lid.x;
  let dim = params.dim;
  let n = params.num_features;
  let out_row = b * dim;
  for (var d = t; d < dim; d += WG) {
    out[out_row + d] = bias[d];
  }
  for (var tile = 0u; tile < n; tile += WG) {
    let i = tile + t;
    var value = 0.0;
    if (i < n) {
      value = acts[b * n + i];
    }
    let is_active = value > 0.0;
    scan[t] = select(0u, 1u, is_active);
    workgroupBarrier();
    for (var offset = 1u; offset < WG; offset *= 2u) {
      var add = 0u;
      if (t >= offset) {
        add = scan[t - offset];
      }
      workgroupBarrier();
      scan[t] += add;
      workgroupBarrier();
    }
    if (is_active) {
      let slot = scan[t] - 1u;
      active_index[slot] = i;
      active_value[slot] = value;
    }
    let count = scan[WG - 1u];
    workgroupBarrier();
    for (var d = t; d < dim; d += WG) {
      var acc = out[out_row + d];
      for (var k = 0u; k < count; k++) {
        acc += active_value[k] * vectors[active_index[k] * dim + d];
      }
      out[out_row + d] = acc;
    }
    workgroupBarrier();
  }
}

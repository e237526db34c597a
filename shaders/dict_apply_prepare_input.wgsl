// A dictionary's input at inference, one workgroup per row, in SAELens's order
// (process_sae_in): per-token normalisation, then an SAE's b_dec input shift (SHIFT != 0),
// subtracted from the input itself rather than folded into b_enc, where x @ W_enc and
// b_dec @ W_enc would nearly cancel in f32 for inputs with large components:
//   MODE 0 (none):                  x' = x
//   MODE 1 (layer_norm):            x' = (x - mu) / (std + 1e-5), std unbiased; y = y' * std + mu
//   MODE 2 (constant_norm_rescale): x' = x * sqrt(d) / ||x||;                  y = y' * ||x|| / sqrt(d)
//   SHIFT:                          x' -= b_dec
// writes x' [rows, 4 * D4] and stats[row] = (shift, scale, outScale, 0), with
// x' = (x - shift) * scale (- b_dec) and, for an SAE only, y = y' * outScale + shift
// (dict_apply_finish.wgsl).
override D4: u32;
override MODE: u32;
override SHIFT: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> xn4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> stats: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bDec4: array<vec4<f32>>;

const LANES: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

fn rowTotal(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let t = partial[0];
  workgroupBarrier();
  return t;
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= run.rows) { return; }
  let base = row * D4;
  let d = f32(4u * D4);
  var shift = 0.0;
  var scale = 1.0;
  var outScale = 1.0;
  if (MODE == 1u) {
    var s = vec4<f32>(0.0);
    for (var c = lid; c < D4; c += LANES) { s += x4[base + c]; }
    let mu = rowTotal(lid, s.x + s.y + s.z + s.w) / d;
    var q = 0.0;
    for (var c = lid; c < D4; c += LANES) {
      let e = x4[base + c] - mu;
      q += dot(e, e);
    }
    let sigma = sqrt(rowTotal(lid, q) / (d - 1.0));
    shift = mu;
    scale = 1.0 / (sigma + 1e-5);
    outScale = sigma;
  } else if (MODE == 2u) {
    var q = 0.0;
    for (var c = lid; c < D4; c += LANES) {
      let v = x4[base + c];
      q += dot(v, v);
    }
    let norm = sqrt(rowTotal(lid, q));
    scale = sqrt(d) / norm;
    outScale = norm / sqrt(d);
  }
  for (var c = lid; c < D4; c += LANES) {
    var v = (x4[base + c] - shift) * scale;
    if (SHIFT != 0u) { v -= bDec4[c]; }
    xn4[base + c] = v;
  }
  if (lid == 0u) { stats[row] = vec4<f32>(shift, scale, outScale, 0.0); }
}

// Matryoshka BatchTopK's nested reconstructions (SAELens matryoshka_batchtopk_sae.py@424e190).
// Levels l < LEVELS end at widths[l] (the last is d_sae); level l's prefix decode is
//   yhat_l[b] = b_dec + sum over the row's listed latents i < widths[l] of pre * W_dec[i, :]
// (pre: the decoder's coefficient, as in dict_decode; rowList is in increasing latent order).
// `residuals`, one workgroup per row:
//   1. r_l[b] = yhat_l[b] - y[b] * s_out for every level, the last one added in dict_decode's
//      order so that it equals dict_decode's residual;
//   2. innerSums[l * B + b] = sum_d r_l^2 for the inner levels (l < LEVELS - 1);
//   3. levels[l] = sum_{m >= l} r_m: what latents of level l see, since each takes part in its
//      own level's decode and every wider one. Level 0 (all of them) is b_dec's.
// `totals`: innerSums[(LEVELS - 1) * B + l] = sum_b innerSums[l * B + b] (logging steps).
override LEVELS: u32;
override CAP: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> pre: array<f32>;
@group(0) @binding(3) var<storage, read> rowList: array<u32>;
@group(0) @binding(4) var<storage, read> rowCount: array<u32>;
@group(0) @binding(5) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> y: array<f32>;
@group(0) @binding(7) var<storage, read> levelWidths: array<u32>;
@group(0) @binding(8) var<storage, read_write> levels4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> innerSums: array<f32>;

const LANES: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

fn at(level: u32, b: u32, c: u32) -> u32 {
  return (level * dims.B + b) * (dims.dOutP / 4u) + c;
}

@compute @workgroup_size(64)
fn residuals(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= dims.B) { return; }
  let n = rowCount[b];
  let rowBase = b * dims.Fp;
  let listBase = b * CAP;
  let d4 = dims.dOutP / 4u;
  for (var c = lid; c < d4; c += LANES) {
    var acc = params4[dims.offBDec / 4u + c];
    var k = 0u;
    var want = vec4<f32>(0.0);
    for (var q = 0u; q < 4u; q++) {
      let d = 4u * c + q;
      if (d < dims.dOut) { want[q] = y[b * dims.dOut + d] * sp.sOut; }
    }
    for (var level = 0u; level < LEVELS; level++) {
      let width = levelWidths[level];
      for (; k < n; k++) {
        let i = rowList[listBase + k];
        if (i >= width) { break; }
        acc += pre[rowBase + i] * params4[dims.offWDec / 4u + i * d4 + c];
      }
      var r = acc - want;
      for (var q = 0u; q < 4u; q++) {
        if (4u * c + q >= dims.dOut) { r[q] = 0.0; }
      }
      levels4[at(level, b, c)] = r;
    }
  }
  for (var level = 0u; level + 1u < LEVELS; level++) {
    var sq = 0.0;
    for (var c = lid; c < d4; c += LANES) {
      let r = levels4[at(level, b, c)];
      sq += dot(r, r);
    }
    partial[lid] = sq;
    workgroupBarrier();
    for (var width = LANES / 2u; width > 0u; width >>= 1u) {
      if (lid < width) { partial[lid] += partial[lid + width]; }
      workgroupBarrier();
    }
    if (lid == 0u) { innerSums[level * dims.B + b] = partial[0]; }
    workgroupBarrier();
  }
  for (var c = lid; c < d4; c += LANES) {
    var running = levels4[at(LEVELS - 1u, b, c)];
    for (var level = LEVELS - 1u; level > 0u; level--) {
      running += levels4[at(level - 1u, b, c)];
      levels4[at(level - 1u, b, c)] = running;
    }
  }
}

@compute @workgroup_size(1)
fn totals() {
  for (var level = 0u; level + 1u < LEVELS; level++) {
    var s = 0.0;
    for (var b = 0u; b < dims.B; b++) { s += innerSums[level * dims.B + b]; }
    innerSums[(LEVELS - 1u) * dims.B + level] = s;
  }
}

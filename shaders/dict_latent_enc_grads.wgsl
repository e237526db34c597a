// Sparse path, one workgroup per latent i, looping over the rows where it fired:
//   dW_enc[:, i] = sum_b x'[b, :] dpre[b, i],   db_enc[i] = sum_b dpre[b, i]
// Each lane owns vec4 chunks of d_in (x' is zero-padded to dInP). List entries may carry a mark
// above ROW_MASK (dict_mark_cols).
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> colList: array<u32>;
@group(0) @binding(2) var<storage, read> colCount: array<u32>;
@group(0) @binding(3) var<storage, read> dpre: array<f32>;
@group(0) @binding(4) var<storage, read> xp4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;

const LANES: u32 = 32u;

@compute @workgroup_size(32)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= dims.Fp) { return; }
  let n = colCount[i];
  let k4 = dims.dInP / 4u;
  for (var c0 = 0u; c0 < k4; c0 += LANES) {
    let c = c0 + lid;
    if (c >= k4) { break; }
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < n; k++) {
      let b = colList[i * dims.B + k] & ROW_MASK;
      acc += dpre[b * dims.Fp + i] * xp4[b * k4 + c];
    }
    for (var q = 0u; q < 4u; q++) {
      let d = 4u * c + q;
      if (d < dims.dIn) { grads[dims.offWEnc + d * dims.Fp + i] = acc[q]; }
    }
  }
  if (lid == 0u) {
    var s = 0.0;
    for (var k = 0u; k < n; k++) {
      s += dpre[(colList[i * dims.B + k] & ROW_MASK) * dims.Fp + i];
    }
    grads[dims.offBEnc + i] = s;
  }
}

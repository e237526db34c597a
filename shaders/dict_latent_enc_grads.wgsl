// One workgroup per latent i, looping over the rows where it fired:
//   dW_enc[:, i] = sum_b x'[b, :] dpre[b, i],   db_enc[i] = sum_b dpre[b, i]
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> colList: array<u32>;
@group(0) @binding(2) var<storage, read> colCount: array<u32>;
@group(0) @binding(3) var<storage, read> dpre: array<f32>;
@group(0) @binding(4) var<storage, read> xp: array<f32>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x;
  let n = colCount[i];
  for (var d0 = 0u; d0 < dims.dIn; d0 += 4u * WG) {
    var acc = vec4<f32>(0.0);
    var off = vec4<u32>(0u);
    for (var q = 0u; q < 4u; q++) {
      off[q] = min(d0 + lid + q * WG, dims.dIn - 1u);
    }
    for (var k = 0u; k < n; k++) {
      let b = colList[i * dims.B + k];
      let g = dpre[b * dims.Fp + i];
      let xBase = b * dims.dInP;
      acc += g * vec4<f32>(xp[xBase + off.x], xp[xBase + off.y], xp[xBase + off.z], xp[xBase + off.w]);
    }
    for (var q = 0u; q < 4u; q++) {
      let d = d0 + lid + q * WG;
      if (d < dims.dIn) {
        grads[dims.offWEnc + d * dims.Fp + i] = acc[q];
      }
    }
  }
  if (lid == 0u) {
    var s = 0.0;
    for (var k = 0u; k < n; k++) {
      s += dpre[colList[i * dims.B + k] * dims.Fp + i];
    }
    grads[dims.offBEnc + i] = s;
  }
}

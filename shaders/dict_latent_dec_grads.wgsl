// One workgroup per latent i, looping over the rows where it fired:
//   dW_dec[i, :] = (2/B) sum_b f[b,i] resid[b, :] + (l1/B) (sum_b f[b,i]) W_dec[i, :] / ||W_dec[i]||
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> colList: array<u32>;
@group(0) @binding(3) var<storage, read> colCount: array<u32>;
@group(0) @binding(4) var<storage, read> pre: array<f32>;
@group(0) @binding(5) var<storage, read> resid: array<f32>;
@group(0) @binding(6) var<storage, read> params: array<f32>;
@group(0) @binding(7) var<storage, read> norms: array<f32>;
@group(0) @binding(8) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = wid.x;
  let n = colCount[i];
  let invB = 1.0 / f32(dims.B);
  var sumF = 0.0;
  for (var k = 0u; k < n; k++) {
    sumF += pre[colList[i * dims.B + k] * dims.Fp + i];
  }
  var l1Scale = 0.0;
  if (sumF > 0.0) {
    l1Scale = sp.l1Coefficient * invB * sumF / norms[i];
  }
  let wBase = dims.offWDec + i * dims.dOutP;
  for (var d0 = 0u; d0 < dims.dOut; d0 += 4u * WG) {
    var acc = vec4<f32>(0.0);
    var off = vec4<u32>(0u);
    for (var q = 0u; q < 4u; q++) {
      off[q] = min(d0 + lid + q * WG, dims.dOut - 1u);
    }
    for (var k = 0u; k < n; k++) {
      let b = colList[i * dims.B + k];
      let a = pre[b * dims.Fp + i];
      let rBase = b * dims.dOutP;
      acc += a * vec4<f32>(resid[rBase + off.x], resid[rBase + off.y], resid[rBase + off.z], resid[rBase + off.w]);
    }
    for (var q = 0u; q < 4u; q++) {
      let d = d0 + lid + q * WG;
      if (d < dims.dOut) {
        grads[wBase + d] = 2.0 * invB * acc[q] + l1Scale * params[wBase + d];
      }
    }
  }
}

// Sparse decoder, one workgroup per batch row: y^ = b_dec + sum over active latents of
// f * W_dec[i, :]; resid = y^ - y * s_out (padding columns of resid stay zero).
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> pre: array<f32>;
@group(0) @binding(3) var<storage, read> rowList: array<u32>;
@group(0) @binding(4) var<storage, read> rowCount: array<u32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read> y: array<f32>;
@group(0) @binding(7) var<storage, read_write> resid: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let n = rowCount[b];
  let rowBase = b * dims.Fp;
  // Four output dimensions per invocation per pass: d = d0 + lid + 64 * q.
  for (var d0 = 0u; d0 < dims.dOut; d0 += 4u * WG) {
    var acc = vec4<f32>(0.0);
    var wOff = vec4<u32>(0u);
    for (var q = 0u; q < 4u; q++) {
      wOff[q] = min(d0 + lid + q * WG, dims.dOut - 1u);
    }
    for (var k = 0u; k < n; k++) {
      let i = rowList[rowBase + k];
      let a = pre[rowBase + i];
      let base = dims.offWDec + i * dims.dOutP;
      acc += a * vec4<f32>(params[base + wOff.x], params[base + wOff.y], params[base + wOff.z], params[base + wOff.w]);
    }
    for (var q = 0u; q < 4u; q++) {
      let d = d0 + lid + q * WG;
      if (d < dims.dOut) {
        let yhat = acc[q] + params[dims.offBDec + d];
        resid[b * dims.dOutP + d] = yhat - y[b * dims.dOut + d] * sp.sOut;
      }
    }
  }
}

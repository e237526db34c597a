// Sparse decoder, one workgroup per batch row: y^ = b_dec + sum over the row's listed latents
// (rowList[b * CAP + k], k < rowCount[b]) of pre * W_dec[i, :]; resid = y^ - y * s_out (padding
// columns of resid stay zero). pre is the decoder's coefficient: ReLU's f, JumpReLU's f, and
// TopK's f/||W_dec[i]|| when it selects on pre * ||W_dec[i]||.
// Each lane owns vec4 chunks of d_out: chunk c = c0 + lid.
override CAP: u32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> pre: array<f32>;
@group(0) @binding(3) var<storage, read> rowList: array<u32>;
@group(0) @binding(4) var<storage, read> rowCount: array<u32>;
@group(0) @binding(5) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> y: array<f32>;
@group(0) @binding(7) var<storage, read_write> resid4: array<vec4<f32>>;

const LANES: u32 = 32u;

@compute @workgroup_size(32)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let n = rowCount[b];
  let rowBase = b * dims.Fp;
  let listBase = b * CAP;
  let d4 = dims.dOutP / 4u;
  for (var c0 = 0u; c0 < d4; c0 += LANES) {
    let c = c0 + lid;
    if (c >= d4) { break; }
    var acc = params4[dims.offBDec / 4u + c];
    for (var k = 0u; k < n; k++) {
      let i = rowList[listBase + k];
      acc += pre[rowBase + i] * params4[dims.offWDec / 4u + i * d4 + c];
    }
    for (var q = 0u; q < 4u; q++) {
      let d = 4u * c + q;
      if (d < dims.dOut) { acc[q] -= y[b * dims.dOut + d] * sp.sOut; } else { acc[q] = 0.0; }
    }
    resid4[b * d4 + c] = acc;
  }
}

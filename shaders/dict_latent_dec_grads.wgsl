// Sparse path, one workgroup per latent i, looping over the rows where it fired:
//   dW_dec[i, :] = (2/B) sum_b f[b,i] resid[b, :] + (l1/B) (sum_b f[b,i]) W_dec[i, :] / ||W_dec[i]||
// Each lane owns vec4 chunks of d_out; sum_b f[b,i] comes from the column compaction.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> colList: array<u32>;
@group(0) @binding(3) var<storage, read> colCount: array<u32>;
@group(0) @binding(4) var<storage, read> colSumF: array<f32>;
@group(0) @binding(5) var<storage, read> pre: array<f32>;
@group(0) @binding(6) var<storage, read> resid4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> norms: array<f32>;
@group(0) @binding(9) var<storage, read_write> grads4: array<vec4<f32>>;

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
  let invB = 1.0 / f32(dims.B);
  let sumF = colSumF[i];
  var l1Scale = 0.0;
  // torch's norm backward is 0 at a zero vector: a zeroed decoder row gets no L1 gradient
  if (sumF > 0.0 && norms[i] > 0.0) {
    l1Scale = sp.l1Coefficient * invB * sumF / norms[i];
  }
  let d4 = dims.dOutP / 4u;
  let w = dims.offWDec / 4u + i * d4;
  for (var c0 = 0u; c0 < d4; c0 += LANES) {
    let c = c0 + lid;
    if (c >= d4) { break; }
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < n; k++) {
      let b = colList[i * dims.B + k];
      acc += pre[b * dims.Fp + i] * resid4[b * d4 + c];
    }
    grads4[w + c] = 2.0 * invB * acc + l1Scale * params4[w + c];
  }
}

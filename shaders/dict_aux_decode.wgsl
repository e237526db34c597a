// AuxK's reconstruction of the residual (SAELens calculate_topk_aux_loss), one workgroup per
// row: with the row's k_aux listed dead latents (dict_train_topk, AUX),
//   e[b] = b_dec + sum_k pre * W_dec[i, :] + resid[b]
// (pre: the decoder's coefficient h/||W_dec[i]||, as for the main latents; resid = y^ - y, so e
// is the AuxK decode minus the detached y - y^). Writes gAux[b] = 2 AUX_COEF scale / B * e[b],
// the loss's gradient with respect to the AuxK decode, and rowSums[B + b] = scale sum_d e^2,
// the row's AuxK loss before AUX_COEF (scale: archState[2]).
override CAP: u32;
override AUX_COEF: f32;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> auxList: array<u32>;
@group(0) @binding(3) var<storage, read> auxCount: array<u32>;
@group(0) @binding(4) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> resid4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> archState: array<u32>;
@group(0) @binding(7) var<storage, read_write> gAux4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> rowSums: array<f32>;

const LANES: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let b = wid.x + wid.y * nwg.x;
  if (b >= dims.B) { return; }
  let n = auxCount[b];
  let scale = bitcast<f32>(archState[2]);
  let c2 = 2.0 * AUX_COEF * scale / f32(dims.B);
  let d4 = dims.dOutP / 4u;
  var sq = 0.0;
  for (var c = lid; c < d4; c += LANES) {
    var e = params4[dims.offBDec / 4u + c] + resid4[b * d4 + c];
    for (var k = 0u; k < n; k++) {
      let i = auxList[b * CAP + k];
      e += pre[b * dims.Fp + i] * params4[dims.offWDec / 4u + i * d4 + c];
    }
    // Padding columns: b_dec, resid and W_dec are 0 there.
    sq += dot(e, e);
    gAux4[b * d4 + c] = c2 * e;
  }
  partial[lid] = sq;
  workgroupBarrier();
  for (var width = LANES / 2u; width > 0u; width >>= 1u) {
    if (lid < width) { partial[lid] += partial[lid + width]; }
    workgroupBarrier();
  }
  if (lid == 0u) { rowSums[dims.B + b] = scale * partial[0]; }
}

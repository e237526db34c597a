// TopK and BatchTopK gradients, one workgroup per latent i, over the rows that list it
// (dict_mark_cols): mark 1, the latent fired; mark 2, AuxK chose it. In pre's space the
// decoder-norm rescaling cancels: the decoder's coefficient is pre = h/||W_dec[i]|| and
// dL/dpre = dL/d(coefficient), so ||W_dec[i]|| gets no gradient from it. With
// g[b] = (2/B) resid[b] (the MSE) and gAux[b] (dict_aux_decode):
//   dpre[b, i] = [1] g[b] . W_dec[i] + [2] gAux[b] . W_dec[i]
//   dW_dec[i]  = sum_b pre[b, i] ([1] g[b] + [2] gAux[b])
// Lanes take rows for dpre (each a dot over d_out), then vec4 chunks of d_out for dW_dec.
// Matryoshka (LEVELS > 1): resid holds LEVELS [B, d_out] blocks (dict_matryoshka), and latent
// i reads the block of its level, the first l with i < levelWidths[l]: the sum of the residuals
// of every reconstruction it takes part in.
override LEVELS: u32 = 1u;
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> colList: array<u32>;
@group(0) @binding(2) var<storage, read> colCount: array<u32>;
@group(0) @binding(3) var<storage, read> pre: array<f32>;
@group(0) @binding(4) var<storage, read> resid4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> gAux4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> dpre: array<f32>;
@group(0) @binding(8) var<storage, read_write> grads4: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> levelWidths: array<u32>;

const LANES: u32 = 64u;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= dims.Fp) { return; }
  let n = colCount[i];
  let twoOverB = 2.0 / f32(dims.B);
  let d4 = dims.dOutP / 4u;
  let w = dims.offWDec / 4u + i * d4;
  var level = 0u;
  while (level + 1u < LEVELS && i >= levelWidths[level]) { level++; }
  let r = level * dims.B * d4;
  for (var k = lid; k < n; k += LANES) {
    let entry = colList[i * dims.B + k];
    let b = entry & ROW_MASK;
    let m = entry >> MARK_SHIFT;
    var dm = vec4<f32>(0.0);
    var da = vec4<f32>(0.0);
    for (var c = 0u; c < d4; c++) {
      let wc = params4[w + c];
      if ((m & 1u) != 0u) { dm += resid4[r + b * d4 + c] * wc; }
      if ((m & 2u) != 0u) { da += gAux4[b * d4 + c] * wc; }
    }
    dpre[b * dims.Fp + i] = twoOverB * (dm.x + dm.y + dm.z + dm.w) + (da.x + da.y + da.z + da.w);
  }
  for (var c = lid; c < d4; c += LANES) {
    var acc = vec4<f32>(0.0);
    var accAux = vec4<f32>(0.0);
    for (var k = 0u; k < n; k++) {
      let entry = colList[i * dims.B + k];
      let b = entry & ROW_MASK;
      let m = entry >> MARK_SHIFT;
      let p = pre[b * dims.Fp + i];
      if ((m & 1u) != 0u) { acc += p * resid4[r + b * d4 + c]; }
      if ((m & 2u) != 0u) { accAux += p * gAux4[b * d4 + c]; }
    }
    grads4[w + c] = twoOverB * acc + accAux;
  }
}

// dpre[b, i] = (2/B) resid[b, :] . W_dec[i, :] + (l1 / B) ||W_dec[i]||  for active (b, i) only;
// inactive entries of dpre are never read.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> rowList: array<u32>;
@group(0) @binding(3) var<storage, read> rowCount: array<u32>;
@group(0) @binding(4) var<storage, read> resid: array<f32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read> norms: array<f32>;
@group(0) @binding(7) var<storage, read_write> dpre: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let n = rowCount[b];
  let invB = 1.0 / f32(dims.B);
  let rBase = b * dims.dOutP;
  for (var k = lid; k < n; k += WG) {
    let i = rowList[b * dims.Fp + k];
    let wBase = dims.offWDec + i * dims.dOutP;
    var dot = 0.0;
    for (var d = 0u; d < dims.dOut; d++) {
      dot += resid[rBase + d] * params[wBase + d];
    }
    dpre[b * dims.Fp + i] = 2.0 * invB * dot + sp.l1Coefficient * invB * norms[i];
  }
}

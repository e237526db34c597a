// db_dec[d] = (2/B) sum_b resid[b, d]  (plus sum_b gAux[b, d], AuxK's reconstruction adding
// b_dec; minus (W_enc @ db_enc)[d] for an SAE whose input is shifted by b_dec). Runs after
// dict_latent_enc_grads has written db_enc.
override AUX: bool;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> resid: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;
@group(0) @binding(4) var<storage, read> gAux: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  if (d >= dims.dOut) { return; }
  var s = 0.0;
  for (var b = 0u; b < dims.B; b++) {
    s += resid[b * dims.dOutP + d];
  }
  var g = 2.0 / f32(dims.B) * s;
  if (AUX) {
    var a = 0.0;
    for (var b = 0u; b < dims.B; b++) {
      a += gAux[b * dims.dOutP + d];
    }
    g += a;
  }
  if (dims.applyBDec != 0u) {
    var t = 0.0;
    let wBase = dims.offWEnc + d * dims.Fp;
    for (var i = 0u; i < dims.F; i++) {
      t += params[wBase + i] * grads[dims.offBEnc + i];
    }
    g -= t;
  }
  grads[dims.offBDec + d] = g;
}

// norms[i] = ||W_dec[i, :]||_2
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> norms: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.Fp) { return; }
  let base = dims.offWDec + i * dims.dOutP;
  var s = 0.0;
  for (var d = 0u; d < dims.dOut; d++) {
    let w = params[base + d];
    s += w * w;
  }
  norms[i] = sqrt(s);
}

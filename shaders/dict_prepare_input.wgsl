// x' [B, dInP] = x * s_in - b_dec (the SAE's input shift) or x * s_in (transcoder); zero padding.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> xp: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= dims.B * dims.dInP) { return; }
  let b = e / dims.dInP;
  let k = e % dims.dInP;
  var v = 0.0;
  if (k < dims.dIn) {
    v = x[b * dims.dIn + k] * sp.sIn;
    if (dims.applyBDec != 0u) {
      v = v - params[dims.offBDec + k];
    }
  }
  xp[e] = v;
}

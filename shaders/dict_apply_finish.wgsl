// Finishes a dictionary's decoded output, in place:
//   y = y' * outScale + shift (NORM != 0: an SAE's reconstruction mapped back to the raw
//                              activations' space, stats from dict_apply_prepare_input.wgsl;
//                              SAELens's Transcoder.decode leaves a transcoder's output as is)
//   y += x @ W_skip^T          (SKIP != 0, computed beforehand into skip4)
override D4: u32;
override NORM: u32;
override SKIP: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> stats: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> skip4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * D4) { return; }
  var y = out4[e];
  if (NORM != 0u) {
    let s = stats[e / D4];
    y = y * s.z + s.x;
  }
  if (SKIP != 0u) { y += skip4[e]; }
  out4[e] = y;
}

// JumpReLU on pre-activations [rows, 4 * FP4], in place: f = pre * [pre > theta], with
// RELU != 0 ReLU(pre) * [pre > theta] (the two differ only where theta < 0).
override FP4: u32;
override RELU: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> theta4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> pre4: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * FP4) { return; }
  let v = pre4[e];
  var f = v;
  if (RELU != 0u) { f = max(v, vec4<f32>(0.0)); }
  pre4[e] = select(vec4<f32>(0.0), f, v > theta4[e % FP4]);
}

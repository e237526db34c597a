// dst[j, :] = src[index[j], :] for j < N, rows of W floats (shuffling the activation store).
override N: u32;
override W: u32;

@group(0) @binding(0) var<storage, read> index: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = gid.x + gid.y * nwg.x * 64u;
  if (e >= N * W) { return; }
  let j = e / W;
  dst[e] = src[index[j] * W + e % W];
}

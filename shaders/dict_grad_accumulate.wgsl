// Micro-batched steps: the step's gradient is the mean of its micro-batches' gradients (each
// already a mean over its rows). The first micro-batch overwrites the total.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> micro: Micro;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> total: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= dims.total) { return; }
  let g = grads[e] / f32(micro.count);
  if (micro.index == 0u) {
    total[e] = g;
  } else {
    total[e] += g;
  }
}

// Adam (beta1 0.9, beta2 0.999, eps 1e-8, no weight decay) on clipped gradients,
// in the order torch.optim.Adam computes it.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read> clip: array<f32>;
@group(0) @binding(4) var<storage, read_write> params: array<f32>;
@group(0) @binding(5) var<storage, read_write> m: array<f32>;
@group(0) @binding(6) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= dims.total) { return; }
  let g = grads[e] * clip[0];
  let mNew = m[e] + (g - m[e]) * 0.1;
  let vNew = v[e] * 0.999 + 0.001 * g * g;
  m[e] = mNew;
  v[e] = vNew;
  let denom = sqrt(vNew) / sp.bc2Sqrt + 1e-8;
  params[e] = params[e] - sp.stepSize * mNew / denom;
}

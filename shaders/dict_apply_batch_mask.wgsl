// BatchTopK at inference, after dict_batch_topk.wgsl's selection over the whole batch: keeps the
// latents it marked (mark 1) and clears the others, in place over [rows, FP].
override FP: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> mark: array<u32>;
@group(0) @binding(2) var<storage, read_write> latents: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * FP) { return; }
  if (mark[e] == 0u) { latents[e] = 0.0; }
}

// resid[r, :] = wte[token[r], :] + wpe[r % seqLen, :]  (token ids are checked on the host)
override D: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> wte: array<f32>;
@group(0) @binding(3) var<storage, read> wpe: array<f32>;
@group(0) @binding(4) var<storage, read_write> resid: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = linearId(gid, nwg, 64u);
  if (e >= run.rows * D) { return; }
  let r = e / D;
  let c = e % D;
  resid[e] = wte[tokens[r] * D + c] + wpe[(r % run.seqLen) * D + c];
}

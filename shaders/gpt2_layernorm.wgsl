// out[r, :] = (x[r, :] - mean) / sqrt(var + EPS) * gain + bias, one invocation per row.
// After TransformerLens's fold_ln the gain is 1 and the bias 0 (LayerNormPre).
override D: u32;
override EPS: f32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gain: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = linearId(gid, nwg, 64u);
  if (r >= run.rows) { return; }
  let base = r * D;
  var sum = 0.0;
  for (var c = 0u; c < D; c++) { sum += x[base + c]; }
  let mean = sum / f32(D);
  var sq = 0.0;
  for (var c = 0u; c < D; c++) {
    let v = x[base + c] - mean;
    sq += v * v;
  }
  let inv = 1.0 / sqrt(sq / f32(D) + EPS);
  for (var c = 0u; c < D; c++) {
    out[base + c] = (x[base + c] - mean) * inv * gain[c] + bias[c];
  }
}

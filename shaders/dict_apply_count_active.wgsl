// The number of non-zero latents of each row (its L0), one workgroup per row of [rows, FP].
override FP: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> latents: array<f32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;

const LANES: u32 = 64u;
var<workgroup> partial: array<u32, 64>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= run.rows) { return; }
  var c = 0u;
  for (var j = lid; j < FP; j += LANES) {
    if (latents[row * FP + j] != 0.0) { c++; }
  }
  partial[lid] = c;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { counts[row] = partial[0]; }
}

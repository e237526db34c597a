// Firing statistics per latent: steps since it last fired (SAELens's
// n_forward_passes_since_fired) and fires since the last density read.
// `age` runs once per step (after dict_dead read the counters), `main` once per micro-batch:
// a latent that fires anywhere in the step ends at 0, one that does not ends one step older.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> colCount: array<u32>;
@group(0) @binding(2) var<storage, read_write> firing: array<u32>;

@compute @workgroup_size(64)
fn age(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.Fp) { return; }
  firing[i] += 1u;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.Fp) { return; }
  let n = colCount[i];
  if (n > 0u) {
    firing[i] = 0u;
    firing[dims.Fp + i] += n;
  }
}

// Lists of active (pre > 0) entries, in index order, so that the decoder side and the
// weight gradients do work in proportion to the active latents.
//   rows: one invocation per batch row b -> list[b*Fp + k] = latent, count[b]
//   cols: one invocation per latent i    -> list[i*B + k]  = row,    count[i]
// One invocation per list keeps the order deterministic with no scan across invocations.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read_write> list: array<u32>;
@group(0) @binding(3) var<storage, read_write> count: array<u32>;

fn compact(n: u32, inBase: u32, inStride: u32, outBase: u32, countIndex: u32) {
  var c = 0u;
  for (var j = 0u; j < n; j++) {
    if (pre[inBase + j * inStride] > 0.0) {
      list[outBase + c] = j;
      c++;
    }
  }
  count[countIndex] = c;
}

@compute @workgroup_size(64)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= dims.B) { return; }
  compact(dims.F, b * dims.Fp, 1u, b * dims.Fp, b);
}

@compute @workgroup_size(64)
fn cols(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.Fp) { return; }
  compact(dims.B, i, dims.Fp, i * dims.B, i);
}

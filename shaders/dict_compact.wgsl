// Lists of active (pre > 0) entries, in index order, so that the decoder side and the
// weight gradients can do work in proportion to the active latents.
//   rows: one invocation per batch row b -> list[b*Fp + k] = latent, count[b],
//         and sums[b] = sum_i f[b,i] ||W_dec[i]|| (the row's L1 term, for the metrics)
//   cols: one invocation per latent i    -> list[i*B + k]  = row,    count[i],
//         and sums[i] = sum_b f[b,i] (for the decoder gradient's L1 term)
// One invocation per list keeps the order deterministic with no scan across invocations.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read_write> list: array<u32>;
@group(0) @binding(4) var<storage, read_write> count: array<u32>;
@group(0) @binding(5) var<storage, read_write> sums: array<f32>;

@compute @workgroup_size(64)
fn rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= dims.B) { return; }
  let base = b * dims.Fp;
  var c = 0u;
  var l1 = 0.0;
  for (var i = 0u; i < dims.F; i++) {
    let a = pre[base + i];
    if (a > 0.0) {
      list[base + c] = i;
      c++;
      l1 += a * norms[i];
    }
  }
  count[b] = c;
  sums[b] = l1;
}

@compute @workgroup_size(64)
fn cols(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= dims.Fp) { return; }
  var c = 0u;
  var total = 0.0;
  for (var b = 0u; b < dims.B; b++) {
    let a = pre[b * dims.Fp + i];
    if (a > 0.0) {
      list[i * dims.B + c] = b;
      c++;
      total += a;
    }
  }
  count[i] = c;
  sums[i] = total;
}

// Per latent i, the rows whose mark (written by the architecture's selection) is not 0, in row
// order: list[i*B + k] = row | mark << 28, count[i], and fired[i] = rows with mark bit 1 (the
// latent fired there). One invocation per latent keeps the order deterministic.
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> mark: array<u32>;
@group(0) @binding(2) var<storage, read_write> list: array<u32>;
@group(0) @binding(3) var<storage, read_write> count: array<u32>;
@group(0) @binding(4) var<storage, read_write> fired: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linearId(gid, nwg, 64u);
  if (i >= dims.Fp) { return; }
  var c = 0u;
  var f = 0u;
  for (var b = 0u; b < dims.B; b++) {
    let m = mark[b * dims.Fp + i];
    if (m != 0u) {
      list[i * dims.B + c] = b | (m << MARK_SHIFT);
      c++;
      f += m & 1u;
    }
  }
  count[i] = c;
  fired[i] = f;
}

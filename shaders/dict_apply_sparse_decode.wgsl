// Sparse decoder of a TopK dictionary, one workgroup per row: y' = b_dec + sum over the row's
// K listed latents (dict_topk_rows.wgsl's indices) of f * W_dec[i, :]. Work is K * d_out per
// row instead of d_sae * d_out.
override K: u32;
override STRIDE: u32;
override D4: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> latents: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read> wDec4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bDec4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out4: array<vec4<f32>>;

const LANES: u32 = 64u;
var<workgroup> ids: array<u32, 256>;
var<workgroup> vals: array<f32, 256>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= run.rows) { return; }
  for (var t = lid; t < K; t += LANES) {
    let i = indices[row * K + t];
    ids[t] = i;
    vals[t] = latents[row * STRIDE + i];
  }
  workgroupBarrier();
  for (var c = lid; c < D4; c += LANES) {
    var acc = bDec4[c];
    for (var t = 0u; t < K; t++) {
      let f = vals[t];
      if (f != 0.0) { acc += f * wDec4[ids[t] * D4 + c]; }
    }
    out4[row * D4 + c] = acc;
  }
}

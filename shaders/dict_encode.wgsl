// pre = x' @ W_enc + b_enc: the one dense product. Register-blocked: each invocation
// computes ROWS rows x 4 latents, reading W_enc as vec4 (Fp is a multiple of 4).
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;
@group(0) @binding(2) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> pre4: array<vec4<f32>>;

const ROWS: u32 = 8u;

@compute @workgroup_size(16, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let cols4 = dims.Fp / 4u;
  let c = gid.x;
  let r0 = gid.y * ROWS;
  if (c >= cols4 || r0 >= dims.B) { return; }
  let bias = params4[dims.offBEnc / 4u + c];
  var acc: array<vec4<f32>, ROWS>;
  var rowBase: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    acc[r] = bias;
    rowBase[r] = min(r0 + r, dims.B - 1u) * dims.dIn;
  }
  let wBase = dims.offWEnc / 4u + c;
  for (var k = 0u; k < dims.dIn; k++) {
    let w = params4[wBase + k * cols4];
    for (var r = 0u; r < ROWS; r++) {
      acc[r] += xp[rowBase[r] + k] * w;
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row < dims.B) {
      pre4[row * cols4 + c] = acc[r];
    }
  }
}

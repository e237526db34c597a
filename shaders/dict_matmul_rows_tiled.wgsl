// dict_matmul_rows (same bindings, constants and epilogues) for GPUs with fast workgroup memory:
// out[M, N] = act(A)[M, K] @ W[K, N] + bias[N], M = dims.B.
// A workgroup of 16 x 16 invocations computes a (16 * ROWS_PER_INVOCATION) x 64 tile of out,
// staging A and W through workgroup memory 16 values of K at a time (vec4 loads, one or two per
// invocation); each invocation keeps ROWS_PER_INVOCATION rows x 4 columns in registers. Rows of
// an invocation are 16 apart so that the 16 invocations of a row of the workgroup read the same
// A values (a broadcast) and consecutive W vec4s.
override K4: u32;
override N4: u32;
override OFF_W4: u32;
override OFF_BIAS4: u32;
override RELU_A: bool;
override SUB_Y: bool;
override Y_WIDTH: u32;
override BIAS: bool = true;
override ACCUMULATE: bool = false;
override ROWS_PER_INVOCATION: u32 = 4u; // 4 (64 x 64 tiles) or 8 (128 x 64 tiles)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> out4: array<vec4<f32>>;

const MAX_ROWS: u32 = 8u;
const TILE_K4: u32 = 4u; // 16 values of K per stage
// A tile: [16 * ROWS_PER_INVOCATION rows][TILE_K4 vec4]; W tile: [4 * TILE_K4 rows][16 vec4]
var<workgroup> tileA: array<vec4<f32>, 512>;
var<workgroup> tileW: array<vec4<f32>, 256>;

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let tileRows = 16u * ROWS_PER_INVOCATION;
  let row0 = wid.y * tileRows;
  let c4 = wid.x * 16u + lid.x;
  var acc: array<vec4<f32>, MAX_ROWS>;
  for (var i = 0u; i < MAX_ROWS; i++) { acc[i] = vec4<f32>(0.0); }

  for (var k0 = 0u; k0 < K4; k0 += TILE_K4) {
    for (var e = li; e < tileRows * TILE_K4; e += 256u) {
      let row = row0 + e / TILE_K4;
      let k4 = k0 + e % TILE_K4;
      var v = vec4<f32>(0.0);
      if (row < dims.B && k4 < K4) {
        v = a4[row * K4 + k4];
        if (RELU_A) { v = max(v, vec4<f32>(0.0)); }
      }
      tileA[e] = v;
    }
    {
      let k = 4u * k0 + li / 16u;
      let col4 = wid.x * 16u + li % 16u;
      var w = vec4<f32>(0.0);
      if (k < 4u * K4 && col4 < N4) { w = params4[OFF_W4 + k * N4 + col4]; }
      tileW[li] = w;
    }
    workgroupBarrier();
    for (var kq = 0u; kq < TILE_K4; kq++) {
      let w0 = tileW[(4u * kq) * 16u + lid.x];
      let w1 = tileW[(4u * kq + 1u) * 16u + lid.x];
      let w2 = tileW[(4u * kq + 2u) * 16u + lid.x];
      let w3 = tileW[(4u * kq + 3u) * 16u + lid.x];
      for (var i = 0u; i < ROWS_PER_INVOCATION; i++) {
        let x = tileA[(lid.y + 16u * i) * TILE_K4 + kq];
        acc[i] += x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3;
      }
    }
    workgroupBarrier();
  }

  if (c4 >= N4) { return; }
  var bias = vec4<f32>(0.0);
  if (BIAS) { bias = params4[OFF_BIAS4 + c4]; }
  for (var i = 0u; i < ROWS_PER_INVOCATION; i++) {
    let row = row0 + lid.y + 16u * i;
    if (row >= dims.B) { break; }
    var v = acc[i] + bias;
    if (ACCUMULATE) { v += out4[row * N4 + c4]; }
    if (SUB_Y) {
      for (var q = 0u; q < 4u; q++) {
        let col = 4u * c4 + q;
        if (col < Y_WIDTH) { v[q] -= y[row * Y_WIDTH + col] * sp.sOut; } else { v[q] = 0.0; }
      }
    }
    out4[row * N4 + c4] = v;
  }
}

// dict_matmul_at (same bindings, constants and epilogues) for GPUs with fast workgroup memory:
// out[R, N] = sum_b A[b, R] G[b, N] over the batch, R = 4 * A4, N = 4 * G4.
// A workgroup of 16 x 16 invocations computes a (16 * ROWS_PER_INVOCATION) x 64 tile of out,
// staging A and G through workgroup memory 16 batch rows at a time (vec4 loads); each invocation
// keeps ROWS_PER_INVOCATION consecutive rows x 4 columns in registers.
override A4: u32;
override G4: u32;
override OFF_OUT4: u32;
override DECODER: bool;
override OFF_BIAS4: u32;
override SKIP_GRAD: bool = false;
override ROWS_PER_INVOCATION: u32 = 4u; // 4 (64 x 64 tiles) or 8 (128 x 64 tiles)

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> g4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> norms: array<f32>;
@group(0) @binding(6) var<storage, read_write> grads4: array<vec4<f32>>;

const MAX_ROWS: u32 = 8u;
const TILE_B: u32 = 16u;
// A tile: [TILE_B][4 * ROWS_PER_INVOCATION vec4]; G tile: [TILE_B][16 vec4]
var<workgroup> tileA: array<vec4<f32>, 512>;
var<workgroup> tileG: array<vec4<f32>, 256>;

@compute @workgroup_size(16, 16)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let tileQ = 4u * ROWS_PER_INVOCATION; // vec4s of A per batch row of the tile
  let q0 = wid.y * tileQ;
  let c4 = wid.x * 16u + lid.x;
  let rowsPerInvocation4 = ROWS_PER_INVOCATION / 4u;
  var acc: array<vec4<f32>, MAX_ROWS>;
  for (var i = 0u; i < MAX_ROWS; i++) { acc[i] = vec4<f32>(0.0); }
  var sumA0 = vec4<f32>(0.0);
  var sumA1 = vec4<f32>(0.0);
  var sumG = vec4<f32>(0.0);

  for (var b0 = 0u; b0 < dims.B; b0 += TILE_B) {
    for (var e = li; e < TILE_B * tileQ; e += 256u) {
      let b = b0 + e / tileQ;
      let q = q0 + e % tileQ;
      var v = vec4<f32>(0.0);
      if (b < dims.B && q < A4) {
        v = a4[b * A4 + q];
        if (DECODER) { v = max(v, vec4<f32>(0.0)); }
      }
      tileA[e] = v;
    }
    {
      let b = b0 + li / 16u;
      let col4 = wid.x * 16u + li % 16u;
      var g = vec4<f32>(0.0);
      if (b < dims.B && col4 < G4) { g = g4[b * G4 + col4]; }
      tileG[li] = g;
    }
    workgroupBarrier();
    for (var bb = 0u; bb < TILE_B; bb++) {
      let g = tileG[bb * 16u + lid.x];
      let x0 = tileA[bb * tileQ + lid.y * rowsPerInvocation4];
      acc[0] += x0.x * g;
      acc[1] += x0.y * g;
      acc[2] += x0.z * g;
      acc[3] += x0.w * g;
      sumA0 += x0;
      if (ROWS_PER_INVOCATION == 8u) {
        let x1 = tileA[bb * tileQ + lid.y * 2u + 1u];
        acc[4] += x1.x * g;
        acc[5] += x1.y * g;
        acc[6] += x1.z * g;
        acc[7] += x1.w * g;
        sumA1 += x1;
      }
      sumG += g;
    }
    workgroupBarrier();
  }

  if (c4 >= G4) { return; }
  let invB = 1.0 / f32(dims.B);
  let r0 = 4u * q0 + lid.y * ROWS_PER_INVOCATION;
  for (var r = 0u; r < ROWS_PER_INVOCATION; r++) {
    let row = r0 + r;
    if (row >= 4u * A4) { break; }
    var v = acc[r];
    if (DECODER) {
      var sumF: f32;
      if (r < 4u) { sumF = sumA0[r]; } else { sumF = sumA1[r - 4u]; }
      v = 2.0 * invB * v;
      // torch's norm backward is 0 at a zero vector
      if (sumF > 0.0 && norms[row] > 0.0) {
        v += sp.l1Coefficient * invB * sumF / norms[row] * params4[dims.offWDec / 4u + row * G4 + c4];
      }
    }
    if (SKIP_GRAD) { v = 2.0 * invB * v; }
    grads4[OFF_OUT4 + row * G4 + c4] = v;
  }
  if (!DECODER && !SKIP_GRAD && wid.y == 0u && lid.y == 0u) {
    grads4[OFF_BIAS4 + c4] = sumG;
  }
}

// Dense path for high L0: weight gradients of the form out[R, N] = sum_b A[b, R] G[b, N]
// (A transposed), each invocation computing ROWS rows x 4 columns over the whole batch.
//   dW_dec: A = ReLU(pre) [B, Fp], G = resid [B, dOutP], times 2/B, plus the L1 term
//           (l1/B) (sum_b f[b,i]) W_dec[i, :] / ||W_dec[i]||
//   dW_enc: A = x' [B, dInP], G = dpre [B, Fp]; also db_enc = sum_b dpre[b, :]
//   dW_skip^T (SKIP_GRAD): A = x' [B, dInP], G = resid [B, dOutP], times 2/B
override A4: u32;        // width of A in vec4s (out has 4 * A4 rows)
override G4: u32;        // width of G and out in vec4s
override OFF_OUT4: u32;  // out's offset in grads, in vec4s
override DECODER: bool;  // dW_dec (ReLU on A, 2/B, L1 term) rather than dW_enc
override OFF_BIAS4: u32; // dW_enc only: db_enc's offset in grads, in vec4s
override SKIP_GRAD: bool = false;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> g4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> norms: array<f32>;
@group(0) @binding(6) var<storage, read_write> grads4: array<vec4<f32>>;

const ROWS: u32 = 8u;

fn loadA(b: u32, q: u32) -> vec4<f32> {
  if (q >= A4) { return vec4<f32>(0.0); }
  let v = a4[b * A4 + q];
  if (DECODER) { return max(v, vec4<f32>(0.0)); }
  return v;
}

@compute @workgroup_size(16, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r0 = gid.y * ROWS;
  if (c >= G4 || r0 >= 4u * A4) { return; }
  var acc: array<vec4<f32>, ROWS>;
  for (var r = 0u; r < ROWS; r++) { acc[r] = vec4<f32>(0.0); }
  var sumA0 = vec4<f32>(0.0);
  var sumA1 = vec4<f32>(0.0);
  var sumG = vec4<f32>(0.0);
  let q0 = r0 / 4u;
  for (var b = 0u; b < dims.B; b++) {
    let x0 = loadA(b, q0);
    let x1 = loadA(b, q0 + 1u);
    let g = g4[b * G4 + c];
    acc[0] += x0.x * g;
    acc[1] += x0.y * g;
    acc[2] += x0.z * g;
    acc[3] += x0.w * g;
    acc[4] += x1.x * g;
    acc[5] += x1.y * g;
    acc[6] += x1.z * g;
    acc[7] += x1.w * g;
    sumA0 += x0;
    sumA1 += x1;
    sumG += g;
  }
  let invB = 1.0 / f32(dims.B);
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row >= 4u * A4) { break; }
    var v = acc[r];
    if (DECODER) {
      var sumF: f32;
      if (r < 4u) { sumF = sumA0[r]; } else { sumF = sumA1[r - 4u]; }
      v = 2.0 * invB * v;
      // torch's norm backward is 0 at a zero vector
      if (sumF > 0.0 && norms[row] > 0.0) {
        v += sp.l1Coefficient * invB * sumF / norms[row] * params4[dims.offWDec / 4u + row * G4 + c];
      }
    }
    if (SKIP_GRAD) { v = 2.0 * invB * v; }
    grads4[OFF_OUT4 + row * G4 + c] = v;
  }
  if (!DECODER && !SKIP_GRAD && gid.y == 0u) {
    grads4[OFF_BIAS4 + c] = sumG;
  }
}

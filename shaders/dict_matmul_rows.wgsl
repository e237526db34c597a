// out[M, N] = act(A)[M, K] @ W[K, N] + bias[N]  (minus Y * sOut in the decoder's epilogue)
// Used for the encoder (A = x', W = W_enc), the dense decoder (A = ReLU(pre), W = W_dec) and a
// transcoder's skip connection (A = x', W = W_skip^T, no bias, added to out).
// Register-blocked: each invocation computes ROWS rows x 4 columns, stepping K by 4 with vec4
// loads of A and W (every padded width is a multiple of 4). No workgroup memory.
override K4: u32;        // K / 4
override N4: u32;        // N / 4 (columns of W, out and bias)
override OFF_W4: u32;    // offset of W in params, in vec4s
override OFF_BIAS4: u32; // offset of bias in params, in vec4s
override RELU_A: bool;   // A = max(A, 0)
override SUB_Y: bool;    // epilogue: out -= y * sOut, y raw [M, Y_WIDTH]
override Y_WIDTH: u32;
override BIAS: bool = true;
override ACCUMULATE: bool = false;

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<uniform> sp: StepParams;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> out4: array<vec4<f32>>;

const ROWS: u32 = 8u;

fn loadA(row: u32, k4: u32) -> vec4<f32> {
  let v = a4[row * K4 + k4];
  if (RELU_A) { return max(v, vec4<f32>(0.0)); }
  return v;
}

@compute @workgroup_size(16, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r0 = gid.y * ROWS;
  if (c >= N4 || r0 >= dims.B) { return; }
  var bias = vec4<f32>(0.0);
  if (BIAS) { bias = params4[OFF_BIAS4 + c]; }
  var acc: array<vec4<f32>, ROWS>;
  var rows: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    acc[r] = bias;
    rows[r] = min(r0 + r, dims.B - 1u);
  }
  for (var k4 = 0u; k4 < K4; k4++) {
    let w = OFF_W4 + 4u * k4 * N4 + c;
    let w0 = params4[w];
    let w1 = params4[w + N4];
    let w2 = params4[w + 2u * N4];
    let w3 = params4[w + 3u * N4];
    for (var r = 0u; r < ROWS; r++) {
      let x = loadA(rows[r], k4);
      acc[r] += x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3;
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row >= dims.B) { break; }
    var v = acc[r];
    if (ACCUMULATE) { v += out4[row * N4 + c]; }
    if (SUB_Y) {
      for (var q = 0u; q < 4u; q++) {
        let col = 4u * c + q;
        if (col < Y_WIDTH) { v[q] -= y[row * Y_WIDTH + col] * sp.sOut; } else { v[q] = 0.0; }
      }
    }
    out4[row * N4 + c] = v;
  }
}

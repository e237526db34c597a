// out[M, N] = act(x[M, K] @ W[K, N] + bias[N]), M = run.rows;
// ACT: 0 none, 1 ReLU, 2 gelu_new (tanh approximation), 3 GELU (erf).
// Register-blocked like dict_matmul_rows: each invocation computes ROWS rows x 4 columns,
// stepping K by 4 with vec4 loads (K and N are multiples of 4). No workgroup memory.
override K4: u32;
override N4: u32;
override ACT: u32;

@group(0) @binding(0) var<uniform> run: Run;
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out4: array<vec4<f32>>;

const ROWS: u32 = 8u;

// tanh(sqrt(2/pi) (v + 0.044715 v^3)), GPT-2's tanh approximation of GELU. The argument is
// clamped because tanh of a large argument may be computed as inf/inf.
fn geluNew(v: vec4<f32>) -> vec4<f32> {
  let inner = clamp(0.7978845608028654 * (v + 0.044715 * v * v * v), vec4<f32>(-15.0), vec4<f32>(15.0));
  return 0.5 * v * (1.0 + tanh(inner));
}

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf4(v: vec4<f32>) -> vec4<f32> {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(v) * (1.0 - poly * exp(-a * a));
}

fn geluErf(v: vec4<f32>) -> vec4<f32> {
  return 0.5 * v * (1.0 + erf4(v * 0.7071067811865476));
}

@compute @workgroup_size(16, 4)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  let r0 = gid.y * ROWS;
  if (c >= N4 || r0 >= run.rows) { return; }
  let b = bias4[c];
  var acc: array<vec4<f32>, ROWS>;
  var rows: array<u32, ROWS>;
  for (var r = 0u; r < ROWS; r++) {
    acc[r] = b;
    rows[r] = min(r0 + r, run.rows - 1u);
  }
  for (var k4 = 0u; k4 < K4; k4++) {
    let w = 4u * k4 * N4 + c;
    let w0 = w4[w];
    let w1 = w4[w + N4];
    let w2 = w4[w + 2u * N4];
    let w3 = w4[w + 3u * N4];
    for (var r = 0u; r < ROWS; r++) {
      let v = x4[rows[r] * K4 + k4];
      acc[r] += v.x * w0 + v.y * w1 + v.z * w2 + v.w * w3;
    }
  }
  for (var r = 0u; r < ROWS; r++) {
    let row = r0 + r;
    if (row >= run.rows) { break; }
    var v = acc[r];
    if (ACT == 1u) { v = max(v, vec4<f32>(0.0)); }
    if (ACT == 2u) { v = geluNew(v); }
    if (ACT == 3u) { v = geluErf(v); }
    out4[row * N4 + c] = v;
  }
}

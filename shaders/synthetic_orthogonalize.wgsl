// One Adam step of SAELens's orthogonalize_embeddings on W [rows_padded, d4] (float32), after
// C = WᵀW and CW = W·C from linear.wgsl:
//   row_squares: g_r = w_r·w_r, one invocation per row;
//   adam_step:   ∂L/∂w_rk = 4·(CW_rk + (−g_r + N·(g_r − 1))·w_rk), then Adam (betas 0.9, 0.999,
//                eps 1e-8) with the step's bias corrections, writing W and its transpose Wᵀ
//                [d4, rows_padded] (the left operand of the next C = WᵀW).
// Padded rows and columns are never touched and stay zero. Reference: orthogonalize.ts.

struct Shape {
  n: u32,          // real rows N (the loss's N)
  d: u32,          // real columns D
  d4: u32,         // columns padded to a multiple of 4 (W's row stride)
  rows_padded: u32, // rows padded to a multiple of 4 (Wᵀ's row stride)
  lr: f32,
  grid_x: u32,     // adam_step's workgroups along x (the grid spills into y past 65535)
  _pad0: u32,
  _pad1: u32,
}

// This step's bias corrections 1 − β1^t and 1 − β2^t (copied in before each step's pass).
struct Step {
  c1: f32,
  c2: f32,
  _pad0: f32,
  _pad1: f32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<uniform> step: Step;
@group(0) @binding(2) var<storage, read> cw: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> wt: array<f32>;
@group(0) @binding(5) var<storage, read_write> g: array<f32>;
@group(0) @binding(6) var<storage, read_write> m: array<f32>;
@group(0) @binding(7) var<storage, read_write> v: array<f32>;

const WORKGROUP: u32 = 256u;

@compute @workgroup_size(WORKGROUP)
fn row_squares(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= shape.n) { return; }
  var s = 0.0;
  for (var k = 0u; k < shape.d; k++) {
    let x = w[r * shape.d4 + k];
    s += x * x;
  }
  g[r] = s;
}

@compute @workgroup_size(WORKGROUP)
fn adam_step(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.y * shape.grid_x * WORKGROUP + gid.x;
  let r = e / shape.d;
  let k = e % shape.d;
  if (r >= shape.n) { return; }
  let i = r * shape.d4 + k;
  let gr = g[r];
  let wi = w[i];
  let grad = 4.0 * (cw[i] + (-gr + f32(shape.n) * (gr - 1.0)) * wi);
  let mi = 0.9 * m[i] + 0.1 * grad;
  let vi = 0.999 * v[i] + 0.001 * grad * grad;
  m[i] = mi;
  v[i] = vi;
  let updated = wi - shape.lr * (mi / step.c1) / (sqrt(vi / step.c2) + 1e-8);
  w[i] = updated;
  wt[k * shape.rows_padded + r] = updated;
}

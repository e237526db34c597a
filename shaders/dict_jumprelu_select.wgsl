// JumpReLU's active sets in training, one workgroup per batch row: f = pre·1[pre > θ] with
// θ = exp(log_threshold) (SAELens's JumpReLU). Lists the latents with pre > θ in column order
// (topk_select.wgsl's emitRow, prepended, with every such latent a tie to keep) and marks every
// column of the row with the sum of
//   1  pre > θ: the latent fires;
//   2  |pre - θ| < ε/2: inside the straight-through estimators' rectangle, θ gets gradient;
//   4  PRE_ACT, a dead latent and pre < θ: the pre-activation loss acts on it.
// rowSums[row] = Σ tanh(TANH_SCALE·f·‖W_dec[j]‖) over the fired latents (TANH) and
// rowSums[rows + row] = Σ (θ - pre)·‖W_dec[j]‖ over marks 4: the row's sparsity and
// pre-activation terms before their coefficients.
override N: u32;      // d_sae
override STRIDE: u32; // Fp: row stride of pre, mark and list
override OFF_THRESHOLD: u32;
override BANDWIDTH: f32;
override TANH: bool;
override TANH_SCALE: f32;
override PRE_ACT: bool;

struct Rows {
  rows: u32,
}

@group(0) @binding(0) var<uniform> shape: Rows;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read> deadMask: array<u32>;
@group(0) @binding(5) var<storage, read_write> list: array<u32>;
@group(0) @binding(6) var<storage, read_write> count: array<u32>;
@group(0) @binding(7) var<storage, read_write> mark: array<u32>;
@group(0) @binding(8) var<storage, read_write> rowSums: array<f32>;

var<private> tanhSum: f32;
var<private> preActSum: f32;
var<workgroup> sums: array<vec2<f32>, SELECT_WG>;

fn theta(j: u32) -> f32 {
  return exp(params[OFF_THRESHOLD + j]);
}

fn rowKey(row: u32, j: u32) -> u32 {
  return select(NOT_CANDIDATE, 1u, pre[row * STRIDE + j] > theta(j));
}

// Marks 2 and 4 of column j, adding to the pre-activation sum.
fn sideMarks(row: u32, j: u32) -> u32 {
  let p = pre[row * STRIDE + j];
  let t = theta(j);
  let u = (p - t) / BANDWIDTH;
  var m = select(0u, 2u, u > -0.5 && u < 0.5);
  if (PRE_ACT && deadMask[j] != 0u && t - p > 0.0) {
    m |= 4u;
    preActSum += (t - p) * norms[j];
  }
  return m;
}

fn keepEntry(row: u32, j: u32, slot: u32) {
  list[row * STRIDE + slot] = j;
  mark[row * STRIDE + j] = 1u | sideMarks(row, j);
  if (TANH) { tanhSum += tanh(TANH_SCALE * pre[row * STRIDE + j] * norms[j]); }
}

fn dropEntry(row: u32, j: u32) {
  mark[row * STRIDE + j] = sideMarks(row, j);
}

@compute @workgroup_size(SELECT_WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= shape.rows) { return; }
  tanhSum = 0.0;
  preActSum = 0.0;
  let kept = emitRow(lid, row, N, Selection(1u, 0xffffffffu, N));
  sums[lid] = vec2<f32>(tanhSum, preActSum);
  workgroupBarrier();
  for (var width = SELECT_WG / 2u; width > 0u; width >>= 1u) {
    if (lid < width) { sums[lid] += sums[lid + width]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    count[row] = kept;
    rowSums[row] = sums[0].x;
    rowSums[shape.rows + row] = sums[0].y;
  }
}

// TopK's selections in training, one workgroup per batch row, on SAELens's hidden_pre
// h = pre·‖W_dec[j]‖ (RESCALE, rescale_acts_by_decoder_norm) or pre, with topk_select.wgsl's
// radix select (prepended; ties to the lower index):
// - main (AUX false): the K largest positive h. SAELens takes the top K, then a ReLU: the
//   entries that survive both are exactly these. Lists them (list[row * CAP + t], count[row])
//   and marks every column of the row: mark 1 kept, 0 not.
// - AuxK (AUX true): the kAux (archState[1]) largest h among dead latents, SAELens's top-k of
//   where(dead, h, -inf); they may be negative. Lists them and adds 2 to their mark.
override N: u32;      // d_sae
override STRIDE: u32; // Fp: row stride of pre and mark
override CAP: u32;    // list entries per row
override K: u32;      // main: k
override RESCALE: bool;
override AUX: bool;

struct Rows {
  rows: u32,
}

@group(0) @binding(0) var<uniform> shape: Rows;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read> deadMask: array<u32>;
@group(0) @binding(4) var<storage, read> archState: array<u32>;
@group(0) @binding(5) var<storage, read_write> list: array<u32>;
@group(0) @binding(6) var<storage, read_write> count: array<u32>;
@group(0) @binding(7) var<storage, read_write> mark: array<u32>;

var<workgroup> kShared: u32;

fn hidden(row: u32, j: u32) -> f32 {
  let p = pre[row * STRIDE + j];
  if (RESCALE) { return p * norms[j]; }
  return p;
}

fn rowKey(row: u32, j: u32) -> u32 {
  let h = hidden(row, j);
  if (AUX) { return select(NOT_CANDIDATE, orderedKey(h), deadMask[j] != 0u); }
  return select(NOT_CANDIDATE, orderedKey(h), h > 0.0);
}

fn keepEntry(row: u32, j: u32, slot: u32) {
  list[row * CAP + slot] = j;
  if (AUX) {
    mark[row * STRIDE + j] |= 2u;
  } else {
    mark[row * STRIDE + j] = 1u;
  }
}

fn dropEntry(row: u32, j: u32) {
  if (!AUX) { mark[row * STRIDE + j] = 0u; }
}

@compute @workgroup_size(SELECT_WG)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= shape.rows) { return; }
  if (lid == 0u) { kShared = select(K, archState[1], AUX); }
  let k = workgroupUniformLoad(&kShared);
  // No dead latent: AuxK keeps nothing and the marks stay as the main selection left them.
  if (k == 0u) {
    if (lid == 0u) { count[row] = 0u; }
    return;
  }
  let kept = emitRow(lid, row, N, selectRow(lid, row, N, k));
  if (lid == 0u) { count[row] = kept; }
}

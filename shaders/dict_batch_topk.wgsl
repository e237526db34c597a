// BatchTopK (SAELens): a ReLU, then the K_BATCH = int(k·B) largest entries of the whole batch of
// h (h as in dict_train_topk.wgsl), ties to the lower row-major index, and the running threshold
// τ. A radix select over all B·d_sae keys on the GPU, 8 bits per level from the top, with the
// state in `state`: [0] prefix, [1] mask, [2] still to keep among the keys matching prefix under
// mask, [3] done, [4] level, [5] the smallest kept h (f32 bits, atomicMin), [8..264) histogram.
//   reset      state <- (0, 0, K_BATCH, 0, 0, none), histogram cleared;
//   histogram  (once per level) counts the candidates matching prefix under mask by their next
//              digit, in workgroup memory, then into the state's histogram;
//   pick       (one workgroup) the digit holding the K-th largest key (topk_select.wgsl's
//              pickDigit, as selectRow per row); clears the histogram for the next level;
//   rowTies    per row, the candidates equal to the threshold (under mask);
//   tieScan    (one workgroup) rowTies <- the ties of the rows above (exclusive prefix sum);
//   compact    per row: topk_select.wgsl's emitRow with the row's share of the ties; lists the
//              kept entries, marks the row (1 kept, 0 not), count[row], the smallest kept h;
//   tau        τ (params[TAU_OFFSET]) <- (1 - TAU_LR)·τ + TAU_LR·(smallest kept h), when any.
override N: u32;      // d_sae
override STRIDE: u32; // Fp
override RESCALE: bool;
override K_BATCH: u32;
override TAU_LR: f32;
override TAU_OFFSET: u32;

struct Rows {
  rows: u32,
}

@group(0) @binding(0) var<uniform> shape: Rows;
@group(0) @binding(1) var<storage, read> pre: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read_write> state: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> rowTies: array<u32>;
@group(0) @binding(5) var<storage, read_write> list: array<u32>;
@group(0) @binding(6) var<storage, read_write> count: array<u32>;
@group(0) @binding(7) var<storage, read_write> mark: array<u32>;
@group(0) @binding(8) var<storage, read_write> params: array<f32>;

const HIST: u32 = 8u;
const NONE: u32 = 0xffffffffu;
// Keys per invocation of `histogram`: enough that merging into the state's histogram (global
// atomics) stays a small part of the pass.
const PER_THREAD: u32 = 64u;

var<workgroup> wgState: vec4<u32>;
var<workgroup> wgCount: atomic<u32>;
var<private> minKept: u32;

fn hidden(row: u32, j: u32) -> f32 {
  let p = pre[row * STRIDE + j];
  if (RESCALE) { return p * norms[j]; }
  return p;
}

fn rowKey(row: u32, j: u32) -> u32 {
  let h = hidden(row, j);
  return select(NOT_CANDIDATE, orderedKey(h), h > 0.0);
}

fn keepEntry(row: u32, j: u32, slot: u32) {
  list[row * STRIDE + slot] = j;
  mark[row * STRIDE + j] = 1u;
  minKept = min(minKept, bitcast<u32>(hidden(row, j)));
}

fn dropEntry(row: u32, j: u32) {
  mark[row * STRIDE + j] = 0u;
}

// (prefix, mask, remaining or done, level), the same for the whole workgroup.
fn loadState(lid: u32, third: u32) -> vec4<u32> {
  if (lid == 0u) {
    wgState = vec4<u32>(
      atomicLoad(&state[0]),
      atomicLoad(&state[1]),
      atomicLoad(&state[third]),
      atomicLoad(&state[4]),
    );
  }
  return workgroupUniformLoad(&wgState);
}

@compute @workgroup_size(SELECT_WG)
fn reset(@builtin(local_invocation_index) lid: u32) {
  for (var bin = lid; bin < BINS; bin += SELECT_WG) { atomicStore(&state[HIST + bin], 0u); }
  if (lid == 0u) {
    atomicStore(&state[0], 0u);
    atomicStore(&state[1], 0u);
    atomicStore(&state[2], K_BATCH);
    atomicStore(&state[3], 0u);
    atomicStore(&state[4], 0u);
    atomicStore(&state[5], NONE);
  }
}

@compute @workgroup_size(SELECT_WG)
fn histogram(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let s = loadState(lid, 3u);
  if (s.z != 0u) { return; }
  let shift = 24u - 8u * s.w;
  for (var bin = lid; bin < BINS; bin += SELECT_WG) { atomicStore(&hist[bin], 0u); }
  workgroupBarrier();
  let total = shape.rows * N;
  let first = (wid.x + wid.y * nwg.x) * SELECT_WG * PER_THREAD;
  for (var t = 0u; t < PER_THREAD; t++) {
    let e = first + t * SELECT_WG + lid;
    if (e >= total) { break; }
    let key = rowKey(e / N, e % N);
    if (key != NOT_CANDIDATE && (key & s.y) == s.x) {
      atomicAdd(&hist[(key >> shift) & 255u], 1u);
    }
  }
  workgroupBarrier();
  for (var bin = lid; bin < BINS; bin += SELECT_WG) {
    let c = atomicLoad(&hist[bin]);
    if (c != 0u) { atomicAdd(&state[HIST + bin], c); }
  }
}

@compute @workgroup_size(SELECT_WG)
fn pick(@builtin(local_invocation_index) lid: u32) {
  let s = loadState(lid, 3u);
  if (s.z != 0u) { return; }
  let remaining = atomicLoad(&state[2]);
  for (var bin = lid; bin < BINS; bin += SELECT_WG) {
    atomicStore(&hist[bin], atomicExchange(&state[HIST + bin], 0u));
  }
  workgroupBarrier();
  let next = pickDigit(lid, s.w, s.x, s.y, remaining);
  if (lid == 0u) {
    atomicStore(&state[0], next.x);
    atomicStore(&state[1], next.y);
    atomicStore(&state[2], next.z);
    atomicStore(&state[3], next.w);
    atomicStore(&state[4], s.w + 1u);
  }
}

@compute @workgroup_size(SELECT_WG)
fn rowTiesCount(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= shape.rows) { return; }
  if (lid == 0u) { atomicStore(&wgCount, 0u); }
  let s = loadState(lid, 2u);
  var c = 0u;
  for (var j = lid; j < N; j += SELECT_WG) {
    let key = rowKey(row, j);
    if (key != NOT_CANDIDATE && (key & s.y) == s.x) { c++; }
  }
  atomicAdd(&wgCount, c);
  workgroupBarrier();
  if (lid == 0u) { rowTies[row] = atomicLoad(&wgCount); }
}

@compute @workgroup_size(SELECT_WG)
fn tieScan(@builtin(local_invocation_index) lid: u32) {
  let rows = shape.rows;
  let block = (rows + SELECT_WG - 1u) / SELECT_WG;
  let start = min(lid * block, rows);
  let end = min(start + block, rows);
  var sum = 0u;
  for (var b = start; b < end; b++) { sum += rowTies[b]; }
  scan[lid] = vec2<u32>(sum, 0u);
  workgroupBarrier();
  prefixScan(lid);
  var before = scan[lid].x - sum;
  for (var b = start; b < end; b++) {
    let t = rowTies[b];
    rowTies[b] = before;
    before += t;
  }
}

@compute @workgroup_size(SELECT_WG)
fn compact(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= shape.rows) { return; }
  let s = loadState(lid, 2u);
  let tiesAbove = rowTies[row];
  var ties = 0u;
  if (tiesAbove < s.z) { ties = s.z - tiesAbove; }
  minKept = NONE;
  let kept = emitRow(lid, row, N, Selection(s.x, s.y, ties));
  if (minKept != NONE) { atomicMin(&state[5], minKept); }
  if (lid == 0u) { count[row] = kept; }
}

@compute @workgroup_size(1)
fn tau() {
  let m = atomicLoad(&state[5]);
  if (m != NONE) {
    params[TAU_OFFSET] = (1.0 - TAU_LR) * params[TAU_OFFSET] + TAU_LR * bitcast<f32>(m);
  }
}

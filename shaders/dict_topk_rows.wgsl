// TopK per row, in place. Of the first N values of each row (rows STRIDE floats apart), keep
// the K largest, ties broken by the lower index, and write 0 over the others (columns N and
// up are not touched); with RELU != 0 the kept values are also clamped at 0.
// indices[row * K + t] lists the K kept columns in increasing order.
//
// One workgroup per row. The K-th largest value is found by a radix select on order-preserving
// u32 keys, 8 bits per pass from the top, counting the row's keys into a 256-bin histogram in
// workgroup memory (no sort); it stops early once the keys sharing the selected top bits are
// exactly the ones still to keep. Then each invocation takes a contiguous block of the row, so
// that a prefix sum over blocks hands the ties out by index.
//
// Binding 0 is any uniform whose first u32 is the row count; rows above 65535 take a 2-D grid.
override N: u32;
override STRIDE: u32;
override K: u32;
override RELU: u32;

struct TopkRows {
  rows: u32,
}

@group(0) @binding(0) var<uniform> shape: TopkRows;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;

const WG: u32 = 256u;

var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> scan: array<vec2<u32>, 256>;
// (prefix, mask, still to keep among the keys matching prefix under mask, done)
var<workgroup> selected: vec4<u32>;

// Larger float, larger key; -0 counts as +0 (the reference compares values, not bits).
fn orderedKey(v: f32) -> u32 {
  let b = select(bitcast<u32>(v), 0u, v == 0.0);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

// Inclusive prefix sum of scan[0..256) (Hillis-Steele); callers barrier before it.
fn prefixScan(lid: u32) {
  for (var off = 1u; off < WG; off <<= 1u) {
    var v = scan[lid];
    if (lid >= off) { v += scan[lid - off]; }
    workgroupBarrier();
    scan[lid] = v;
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= shape.rows) { return; }
  let base = row * STRIDE;

  var prefix = 0u;
  var mask = 0u;
  var remaining = K;
  for (var level = 0u; level < 4u; level++) {
    let shift = 24u - 8u * level;
    atomicStore(&hist[lid], 0u);
    workgroupBarrier();
    for (var j = lid; j < N; j += WG) {
      let key = orderedKey(values[base + j]);
      if ((key & mask) == prefix) { atomicAdd(&hist[(key >> shift) & 255u], 1u); }
    }
    workgroupBarrier();
    // Reversed, so that the prefix sum counts the keys whose digit is >= 255 - slot.
    let count = atomicLoad(&hist[lid]);
    scan[255u - lid] = vec2<u32>(count, 0u);
    workgroupBarrier();
    prefixScan(lid);
    let atLeast = scan[255u - lid].x;
    let above = atLeast - count;
    // Exactly one digit has fewer than `remaining` keys above it and enough at or above it.
    if (above < remaining && atLeast >= remaining) {
      let left = remaining - above;
      selected = vec4<u32>(prefix | (lid << shift), mask | (255u << shift), left, u32(count == left));
    }
    let s = workgroupUniformLoad(&selected);
    prefix = s.x;
    mask = s.y;
    remaining = s.z;
    if (s.w != 0u) { break; }
  }

  // Keys above the selected bits are kept; of the keys equal to them, the first `remaining`.
  let block = (N + WG - 1u) / WG;
  let start = min(lid * block, N);
  let end = min(start + block, N);
  var above = 0u;
  var ties = 0u;
  for (var j = start; j < end; j++) {
    let m = orderedKey(values[base + j]) & mask;
    if (m > prefix) { above++; } else if (m == prefix) { ties++; }
  }
  workgroupBarrier();
  scan[lid] = vec2<u32>(above, ties);
  workgroupBarrier();
  prefixScan(lid);
  let before = scan[lid] - vec2<u32>(above, ties);
  var tiesToKeep = 0u;
  if (before.y < remaining) { tiesToKeep = min(ties, remaining - before.y); }
  var slot = row * K + before.x + min(before.y, remaining);
  var tiesKept = 0u;
  for (var j = start; j < end; j++) {
    let v = values[base + j];
    let m = orderedKey(v) & mask;
    var keep = m > prefix;
    if (m == prefix && tiesKept < tiesToKeep) {
      keep = true;
      tiesKept++;
    }
    if (keep) {
      indices[slot] = j;
      slot++;
      values[base + j] = select(v, max(v, 0.0), RELU != 0u);
    } else {
      values[base + j] = 0.0;
    }
  }
}

// Radix selection of the k largest keys of one row, one workgroup of SELECT_WG (64, 128 or 256)
// invocations per row (prepended to the kernels that select: dict_topk_rows, dict_train_topk, dict_batch_topk,
// dict_jumprelu_select). The kernel defines, for its row layout,
//   fn rowKey(row: u32, j: u32) -> u32         column j's order-preserving key (orderedKey), or
//                                              NOT_CANDIDATE for a column that is never kept;
//   fn keepEntry(row: u32, j: u32, slot: u32)  column j is the slot-th kept one, in column order;
//   fn dropEntry(row: u32, j: u32)             column j is not kept;
// and calls emitRow(lid, row, n, selectRow(lid, row, n, k)).
//
// selectRow finds the k-th largest key with a radix select, 8 bits per pass from the top,
// counting the row's keys into a 256-bin histogram in workgroup memory (no sort); it stops early
// once the keys sharing the selected top bits are exactly the ones still to keep. emitRow gives
// each invocation a contiguous block of the row, so that a prefix sum over blocks hands the ties
// out by index (lower index first) and the kept columns come out in increasing order.
override SELECT_WG: u32 = 256u;
const NOT_CANDIDATE: u32 = 0u;
const BINS: u32 = 256u;

var<workgroup> hist: array<atomic<u32>, BINS>;
var<workgroup> scan: array<vec2<u32>, SELECT_WG>;
// (prefix, mask, still to keep among the keys matching prefix under mask, done)
var<workgroup> selected: vec4<u32>;

// Larger float, larger key; -0 counts as +0 (the references compare values, not bits). Only a
// NaN can map to NOT_CANDIDATE.
fn orderedKey(v: f32) -> u32 {
  let b = select(bitcast<u32>(v), 0u, v == 0.0);
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

// Inclusive prefix sum of scan[0..SELECT_WG) (Hillis-Steele); callers barrier before it.
fn prefixScan(lid: u32) {
  for (var off = 1u; off < SELECT_WG; off <<= 1u) {
    var v = scan[lid];
    if (lid >= off) { v += scan[lid - off]; }
    workgroupBarrier();
    scan[lid] = v;
    workgroupBarrier();
  }
}

// Kept: the candidates whose key is above `prefix` under `mask`, and the first `ties` of those
// equal to it.
struct Selection {
  prefix: u32,
  mask: u32,
  ties: u32,
}

// From hist (the keys matching prefix under mask, counted by their digit at `level`), the digit
// holding the remaining-th largest key: the new (prefix, mask, still to keep, done). At level 0
// with at most `remaining` candidates in all, every candidate is kept: (0, 0, candidates, 1).
// Each invocation takes BINS / SELECT_WG digits, from the top.
fn pickDigit(lid: u32, level: u32, prefix: u32, mask: u32, remaining: u32) -> vec4<u32> {
  let per = BINS / SELECT_WG;
  let shift = 24u - 8u * level;
  var local = 0u;
  for (var q = 0u; q < per; q++) { local += atomicLoad(&hist[BINS - 1u - (lid * per + q)]); }
  scan[lid] = vec2<u32>(local, 0u);
  workgroupBarrier();
  prefixScan(lid);
  let candidates = scan[SELECT_WG - 1u].x;
  if (level == 0u && candidates <= remaining) {
    if (lid == 0u) { selected = vec4<u32>(0u, 0u, candidates, 1u); }
  } else {
    // Exactly one digit has fewer than `remaining` keys above it and enough at or above it.
    var above = scan[lid].x - local;
    for (var q = 0u; q < per; q++) {
      let digit = BINS - 1u - (lid * per + q);
      let count = atomicLoad(&hist[digit]);
      if (above < remaining && above + count >= remaining) {
        let left = remaining - above;
        selected = vec4<u32>(
          prefix | (digit << shift),
          mask | (255u << shift),
          left,
          u32(count == left || level == 3u),
        );
      }
      above += count;
    }
  }
  return workgroupUniformLoad(&selected);
}

// The k largest candidate keys of the row's first n columns (all of them when there are at most
// k candidates). k must be uniform over the workgroup.
fn selectRow(lid: u32, row: u32, n: u32, k: u32) -> Selection {
  if (k == 0u) { return Selection(0xffffffffu, 0xffffffffu, 0u); }
  var prefix = 0u;
  var mask = 0u;
  var remaining = k;
  for (var level = 0u; level < 4u; level++) {
    let shift = 24u - 8u * level;
    for (var bin = lid; bin < BINS; bin += SELECT_WG) { atomicStore(&hist[bin], 0u); }
    workgroupBarrier();
    for (var j = lid; j < n; j += SELECT_WG) {
      let key = rowKey(row, j);
      if (key != NOT_CANDIDATE && (key & mask) == prefix) {
        atomicAdd(&hist[(key >> shift) & 255u], 1u);
      }
    }
    workgroupBarrier();
    let s = pickDigit(lid, level, prefix, mask, remaining);
    prefix = s.x;
    mask = s.y;
    remaining = s.z;
    if (s.w != 0u) { break; }
  }
  return Selection(prefix, mask, remaining);
}

// Calls keepEntry for the selected columns, in increasing order, and dropEntry for every other
// column of the row's first n; returns how many were kept.
fn emitRow(lid: u32, row: u32, n: u32, sel: Selection) -> u32 {
  let block = (n + SELECT_WG - 1u) / SELECT_WG;
  let start = min(lid * block, n);
  let end = min(start + block, n);
  var above = 0u;
  var ties = 0u;
  for (var j = start; j < end; j++) {
    let key = rowKey(row, j);
    let m = key & sel.mask;
    if (key == NOT_CANDIDATE) { continue; }
    if (m > sel.prefix) { above++; } else if (m == sel.prefix) { ties++; }
  }
  workgroupBarrier();
  scan[lid] = vec2<u32>(above, ties);
  workgroupBarrier();
  prefixScan(lid);
  let total = scan[SELECT_WG - 1u];
  let before = scan[lid] - vec2<u32>(above, ties);
  var tiesToKeep = 0u;
  if (before.y < sel.ties) { tiesToKeep = min(ties, sel.ties - before.y); }
  var slot = before.x + min(before.y, sel.ties);
  var tiesKept = 0u;
  for (var j = start; j < end; j++) {
    let key = rowKey(row, j);
    let m = key & sel.mask;
    var keep = key != NOT_CANDIDATE && m > sel.prefix;
    if (key != NOT_CANDIDATE && m == sel.prefix && tiesKept < tiesToKeep) {
      keep = true;
      tiesKept++;
    }
    if (keep) {
      keepEntry(row, j, slot);
      slot++;
    } else {
      dropEntry(row, j);
    }
  }
  return total.x + min(total.y, sel.ties);
}
